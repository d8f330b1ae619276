"""Browser URLs of the audit trail, included under /c/<slug:cluster_slug>/audit/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.AuditListView.as_view(), name="audit_list"),
]
