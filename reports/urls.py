"""The report pages, included at /c/<cluster_slug>/reports/ (before members' catch-all)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.ReportListView.as_view(), name="report_list"),
    path("new/", views.ReportRequestView.as_view(), name="report_request"),
    path("dashboard/", views.DashboardView.as_view(), name="report_dashboard"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("<int:pk>/status/", views.ReportStatusView.as_view(), name="report_status"),
    path("<int:pk>/download/", views.ReportDownloadView.as_view(), name="report_download"),
    path("<int:pk>/retry/", views.ReportRetryView.as_view(), name="report_retry"),
    path("<int:pk>/data.xlsx", views.ReportDataXlsxView.as_view(), name="report_data_xlsx"),
    path("<int:pk>/data.csv", views.ReportDataCsvView.as_view(), name="report_data_csv"),
]
