"""Browser pages of the periodic reports, under /c/<cluster_slug>/reports/ (reports/urls.py):

- pages.py: the list (by period and kind), the request form, a report's page with its progress
  (an htmx partial polled every 2 seconds while queued or running), the PDF, the retry of a
  failed report, the data as XLSX and CSV;
- dashboard.py: the indicators of a period as the PDF's charts, each with its table.

Coordinators and authorities only (reports.permissions); anyone else with a role in the cluster
gets 403, anyone without one 404 (the cluster gate), and another cluster's report is 404.
"""

from .dashboard import DashboardView
from .pages import (
    ReportDataCsvView,
    ReportDataXlsxView,
    ReportDetailView,
    ReportDownloadView,
    ReportListView,
    ReportRequestView,
    ReportRetryView,
    ReportStatusView,
)

__all__ = [
    "DashboardView", "ReportDataCsvView", "ReportDataXlsxView", "ReportDetailView", "ReportDownloadView",
    "ReportListView", "ReportRequestView", "ReportRetryView", "ReportStatusView",
]
