import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_platform.settings.local")

app = Celery("cluster_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every task runs inside an audit context, so rows it changes are attributed to it.
_history_contexts = {}


@task_prerun.connect
def _enter_history_context(task_id=None, task=None, **kwargs):
    import pghistory

    context = pghistory.context(task=task.name, task_id=task_id)
    context.__enter__()
    _history_contexts[task_id] = context


@task_postrun.connect
def _exit_history_context(task_id=None, **kwargs):
    context = _history_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
