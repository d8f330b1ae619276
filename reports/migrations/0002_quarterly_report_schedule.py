"""The scheduled reports in the beat schedule (django-celery-beat's DatabaseScheduler): 02:00 in
Asia/Tashkent on the first day of January, April, July and October, when reports.tasks.
reports_beat makes the quarterly reports (and on 1 January the annual ones) of the period just
closed. Created with get_or_create so running it twice, or over a schedule someone already made
by hand in the admin, changes nothing."""

from django.db import migrations

TASK_NAME = "reports-quarterly"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_week="*", day_of_month="1", month_of_year="1,4,7,10",
        timezone="Asia/Tashkent",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "reports.tasks.reports_beat", "crontab": crontab, "enabled": True},
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
