import inspect
import os

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_platform.settings.local")


class ClusterTask(Task):
    """Every task runs in the row-level security scope of the cluster it was given (its
    `cluster_id` argument): a task without one sees no cluster's rows until it opens a scope
    itself (the beat's fan-out opens one per cluster; cluster_platform/rls.py). Set here,
    around the task's own code, after the worker has (re)opened its database connection."""

    def __call__(self, *args, **kwargs):
        from cluster_platform import rls

        with rls.cluster_scope(cluster_argument(self, args, kwargs)):
            return super().__call__(*args, **kwargs)


def cluster_argument(task, args, kwargs):
    if "cluster_id" in kwargs:
        return kwargs["cluster_id"]
    try:
        return inspect.signature(task.run).bind_partial(*args, **kwargs).arguments.get("cluster_id")
    except TypeError:
        return None


REPORT_TASKS = {"reports.tasks.render_report"}
# The worker of REPORTS_QUEUE: one render at a time, each in a fresh child process.
REPORT_WORKER_OPTIONS = ["--concurrency", "1", "--max-tasks-per-child", "1"]


def route_task(name, args, kwargs, options, task=None, **extra):
    """CELERY_TASK_ROUTES: report renders go to REPORTS_QUEUE (read at publish time), the rest
    to the default queue."""
    from django.conf import settings

    if name in REPORT_TASKS and settings.REPORTS_QUEUE:
        return {"queue": settings.REPORTS_QUEUE}
    return None


app = Celery("cluster_platform", task_cls=ClusterTask)
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
