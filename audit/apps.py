from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail: the history rows the database writes (django-pghistory triggers),
    read per cluster and shown to coordinators. The app has no models of its own."""

    name = "audit"
    verbose_name = _("Audit trail")
