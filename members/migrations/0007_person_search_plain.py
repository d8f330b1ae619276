"""Back to a plain scan for the people search: migration 0006's trigram indexes and search
function did not pay off under row-level security.

Measured on the national data set (cluster of 113,870 people, term matching 2,889 of them,
as the platform's role): the plain `ILIKE` scan of the cluster's rows took 111 ms; the SECURITY
DEFINER function, whose generic plan could not use the trigram indexes well, 187 ms; a
PL/pgSQL variant planning each call with the literal cluster and pattern, 110-135 ms (the
planner prefers the cluster's index with a row filter). The indexes only cost writes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("members", "0006_person_search")]

    operations = [
        migrations.RunSQL("DROP FUNCTION IF EXISTS members_person_search(text);", migrations.RunSQL.noop),
        *(migrations.RemoveIndex(model_name="person", name=f"person_{column}_trgm")
          for column in ("full_name", "position", "subject", "email")),
    ]
