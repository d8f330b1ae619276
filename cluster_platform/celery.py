import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_platform.settings.local")

app = Celery("cluster_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
