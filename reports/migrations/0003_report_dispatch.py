"""Reports remember their hand-over to the task queue (dispatched_at) and the task message that
claimed them (task_id), so the beat can send again a report the broker never got or lost, and a
second message leaves a report another one is rendering (reports.services).

Reports already queued or running count as sent when they were made (their message went out
before this field existed): the beat sends one again only if it is still not done after
STALE_AFTER. The UPDATE runs while the history triggers are off: it records no events."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_quarterly_report_schedule'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='report',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='report',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='report',
            name='delete_delete',
        ),
        migrations.AddField(
            model_name='report',
            name='dispatched_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last sent to the queue'),
        ),
        migrations.AddField(
            model_name='report',
            name='task_id',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='task'),
        ),
        migrations.AddField(
            model_name='reportevent',
            name='dispatched_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last sent to the queue'),
        ),
        migrations.AddField(
            model_name='reportevent',
            name='task_id',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='task'),
        ),
        migrations.RunSQL(
            "UPDATE reports_report SET dispatched_at = created_at WHERE status IN ('queued', 'running')",
            migrations.RunSQL.noop,
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='report',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "reports_reportevent" ("attempts", "cluster_id", "created_at", "data", "dispatched_at", "error", "finished_at", "id", "kind", "language", "pdf", "period_end", "period_start", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "requested_by_id", "sha256", "size", "started_at", "status", "task_id", "trigger", "verification_code", "version") VALUES (NEW."attempts", NEW."cluster_id", NEW."created_at", NEW."data", NEW."dispatched_at", NEW."error", NEW."finished_at", NEW."id", NEW."kind", NEW."language", NEW."pdf", NEW."period_end", NEW."period_start", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."requested_by_id", NEW."sha256", NEW."size", NEW."started_at", NEW."status", NEW."task_id", NEW."trigger", NEW."verification_code", NEW."version"); RETURN NULL;', hash='a412be1f1db1042e2155a3d26bd965e5736de1a8', operation='INSERT', pgid='pgtrigger_insert_insert_84ceb', table='reports_report', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='report',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "reports_reportevent" ("attempts", "cluster_id", "created_at", "data", "dispatched_at", "error", "finished_at", "id", "kind", "language", "pdf", "period_end", "period_start", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "requested_by_id", "sha256", "size", "started_at", "status", "task_id", "trigger", "verification_code", "version") VALUES (NEW."attempts", NEW."cluster_id", NEW."created_at", NEW."data", NEW."dispatched_at", NEW."error", NEW."finished_at", NEW."id", NEW."kind", NEW."language", NEW."pdf", NEW."period_end", NEW."period_start", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."requested_by_id", NEW."sha256", NEW."size", NEW."started_at", NEW."status", NEW."task_id", NEW."trigger", NEW."verification_code", NEW."version"); RETURN NULL;', hash='badd48eda7dbe2916246568893d0b16dd17bec07', operation='UPDATE', pgid='pgtrigger_update_update_234a9', table='reports_report', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='report',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "reports_reportevent" ("attempts", "cluster_id", "created_at", "data", "dispatched_at", "error", "finished_at", "id", "kind", "language", "pdf", "period_end", "period_start", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "requested_by_id", "sha256", "size", "started_at", "status", "task_id", "trigger", "verification_code", "version") VALUES (OLD."attempts", OLD."cluster_id", OLD."created_at", OLD."data", OLD."dispatched_at", OLD."error", OLD."finished_at", OLD."id", OLD."kind", OLD."language", OLD."pdf", OLD."period_end", OLD."period_start", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."requested_by_id", OLD."sha256", OLD."size", OLD."started_at", OLD."status", OLD."task_id", OLD."trigger", OLD."verification_code", OLD."version"); RETURN NULL;', hash='8b53956d9f6d8418863d2a3b0a780be78929f238', operation='DELETE', pgid='pgtrigger_delete_delete_6acd6', table='reports_report', when='AFTER')),
        ),
    ]
