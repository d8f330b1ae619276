"""The re-dispatch of reports in the beat schedule (django-celery-beat's DatabaseScheduler): every
minute reports.tasks.reports_redispatch sends again the reports the task queue never got (the
broker was down when they were queued) or lost. Its messages expire after a minute: when the
workers are away, the runs missed do not pile up (the next one does their work). Created with
get_or_create, as 0002: running it twice, or over a schedule made by hand, changes nothing."""

from django.db import migrations

TASK_NAME = "reports-redispatch"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "reports.tasks.reports_redispatch", "interval": every_minute, "enabled": True,
                  "expire_seconds": 60},
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_report_dispatch"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
