"""Agreement documents (versioned drafts and signed scans), reminder records, and the daily
reminders task in the beat schedule: 00:10 Asia/Tashkent, five minutes after the daily
agreements task (0002) has marked overdue obligations. The schedule is created with
get_or_create, so running this twice, or over a schedule made by hand, changes nothing."""

import agreements.models
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

REMINDERS_TASK_NAME = "agreement-reminders"


def create_reminders_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="10", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Tashkent",
    )
    PeriodicTask.objects.get_or_create(
        name=REMINDERS_TASK_NAME,
        defaults={"task": "agreements.tasks.agreement_reminders_all", "crontab": crontab, "enabled": True},
    )


def remove_reminders_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=REMINDERS_TASK_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_daily_task_schedule'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
        ('members', '0002_invitation_signed_tokens_sent_marks_audit'),
        ('pghistory', '0007_auto_20250421_0444'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AgreementDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('draft', 'Draft'), ('signed_scan', 'Signed scan')], max_length=20, verbose_name='kind')),
                ('version', models.PositiveIntegerField(verbose_name='version')),
                ('file', models.FileField(max_length=255, upload_to=agreements.models._document_upload_to, verbose_name='file')),
                ('display_name', models.CharField(max_length=255, verbose_name='file name')),
                ('content_type', models.CharField(max_length=100, verbose_name='content type')),
                ('size', models.PositiveBigIntegerField(verbose_name='size')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='agreements.agreement', verbose_name='agreement')),
                ('cluster', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.cluster')),
                ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'agreement document',
                'verbose_name_plural': 'agreement documents',
                'ordering': ['kind', '-version', '-id'],
            },
        ),
        migrations.CreateModel(
            name='AgreementDocumentEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('kind', models.CharField(choices=[('draft', 'Draft'), ('signed_scan', 'Signed scan')], max_length=20, verbose_name='kind')),
                ('version', models.PositiveIntegerField(verbose_name='version')),
                ('file', models.FileField(max_length=255, upload_to=agreements.models._document_upload_to, verbose_name='file')),
                ('display_name', models.CharField(max_length=255, verbose_name='file name')),
                ('content_type', models.CharField(max_length=100, verbose_name='content type')),
                ('size', models.PositiveBigIntegerField(verbose_name='size')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                ('agreement', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='agreements.agreement', verbose_name='agreement')),
                ('cluster', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='members.cluster')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='agreements.agreementdocument')),
                ('uploaded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='AgreementReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('expiry_30', 'Ends within 30 days'), ('expiry_7', 'Ends within 7 days'), ('obligation_overdue', 'Obligation overdue')], max_length=30, verbose_name='kind')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('agreement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='agreements.agreement', verbose_name='agreement')),
                ('cluster', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.cluster')),
                ('obligation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='agreements.obligation', verbose_name='obligation')),
            ],
            options={
                'verbose_name': 'agreement reminder',
                'verbose_name_plural': 'agreement reminders',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddConstraint(
            model_name='agreementdocument',
            constraint=models.UniqueConstraint(fields=('cluster', 'agreement', 'kind', 'version'), name='agreement_document_version_unique'),
        ),
        migrations.AddConstraint(
            model_name='agreementdocument',
            constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='agreement_document_version_positive'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementdocument',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "agreements_agreementdocumentevent" ("agreement_id", "cluster_id", "content_type", "display_name", "file", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sha256", "size", "uploaded_at", "uploaded_by_id", "version") VALUES (NEW."agreement_id", NEW."cluster_id", NEW."content_type", NEW."display_name", NEW."file", NEW."id", NEW."kind", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."sha256", NEW."size", NEW."uploaded_at", NEW."uploaded_by_id", NEW."version"); RETURN NULL;', hash='b6958f41066fa59230cb2eaa7e5577431a13b0f8', operation='INSERT', pgid='pgtrigger_insert_insert_ccdea', table='agreements_agreementdocument', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementdocument',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "agreements_agreementdocumentevent" ("agreement_id", "cluster_id", "content_type", "display_name", "file", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sha256", "size", "uploaded_at", "uploaded_by_id", "version") VALUES (NEW."agreement_id", NEW."cluster_id", NEW."content_type", NEW."display_name", NEW."file", NEW."id", NEW."kind", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."sha256", NEW."size", NEW."uploaded_at", NEW."uploaded_by_id", NEW."version"); RETURN NULL;', hash='dda3be3a2c832f9fab588ff4bd708b5c8285fd8f', operation='UPDATE', pgid='pgtrigger_update_update_f8e88', table='agreements_agreementdocument', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='agreementdocument',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "agreements_agreementdocumentevent" ("agreement_id", "cluster_id", "content_type", "display_name", "file", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sha256", "size", "uploaded_at", "uploaded_by_id", "version") VALUES (OLD."agreement_id", OLD."cluster_id", OLD."content_type", OLD."display_name", OLD."file", OLD."id", OLD."kind", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."sha256", OLD."size", OLD."uploaded_at", OLD."uploaded_by_id", OLD."version"); RETURN NULL;', hash='837e0301da7b8eead745a400ffeb63922ba1acc5', operation='DELETE', pgid='pgtrigger_delete_delete_f78bf', table='agreements_agreementdocument', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='agreementreminder',
            constraint=models.UniqueConstraint(fields=('cluster', 'kind', 'agreement', 'obligation'), name='agreement_reminder_once', nulls_distinct=False),
        ),
        migrations.AddConstraint(
            model_name='agreementreminder',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('agreement__isnull', False), ('kind__in', ['expiry_30', 'expiry_7']), ('obligation__isnull', True)), models.Q(('kind', 'obligation_overdue'), ('obligation__isnull', False)), _connector='OR'), name='agreement_reminder_target_matches_kind'),
        ),
        migrations.RunPython(create_reminders_schedule, remove_reminders_schedule),
    ]
