"""The pipeline board's index: (cluster, stage, stage_changed_at DESC, id DESC), so each
column's newest cards are the first entries of its stage (selectors.stage_columns reads ten
per stage where a window ranked every innovation of the cluster: 30 ms for 9,500).

Raw SQL, kept out of the migration state: the model's Meta is not this change's to edit, and an
index the state knew of but the model did not would be dropped by the next makemigrations. To
declare it in Meta.indexes later, move it there with SeparateDatabaseAndState (the database
already has it)."""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS innovation_board_column
    ON innovations_innovation (cluster_id, stage, stage_changed_at DESC, id DESC);
"""
DROP = "DROP INDEX IF EXISTS innovation_board_column;"


class Migration(migrations.Migration):
    dependencies = [("innovations", "0002_review_reminders_schedule")]

    operations = [migrations.RunSQL(CREATE, DROP)]
