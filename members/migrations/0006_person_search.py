"""The people search, fast at a hundred thousand people per cluster.

`selectors.person_search` matches a term anywhere in a person's name, position, subject or
email, or in the name of their organization. A `LIKE '%term%'` scan reads every row; trigram
indexes (pg_trgm) answer it from the index instead. Row-level security stands in the way:
the platform's role may only use an index for an operator marked leakproof, and LIKE is not,
so under the policy PostgreSQL filters row by row. The search therefore runs in one function
owned by the tables' owner (SECURITY DEFINER), which applies the policy's own condition
itself and returns ids only; the rows are then read through the policy as usual."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION members_person_search(p_pattern text)
RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT p.id FROM members_person p
     WHERE (p.cluster_id = NULLIF(current_setting('app.cluster_id', true), '')::bigint
            OR current_setting('app.platform', true) = 'on')
       AND (upper(p.full_name::text) LIKE upper(p_pattern)
            OR upper(p.position::text) LIKE upper(p_pattern)
            OR upper(p.subject::text) LIKE upper(p_pattern)
            OR upper(p.email::text) LIKE upper(p_pattern)
            OR p.organization_id = ANY (ARRAY(
                SELECT o.id FROM members_organization o
                 WHERE (o.cluster_id = NULLIF(current_setting('app.cluster_id', true), '')::bigint
                        OR current_setting('app.platform', true) = 'on')
                   AND upper(o.name::text) LIKE upper(p_pattern))))
$$;
REVOKE ALL ON FUNCTION members_person_search(text) FROM PUBLIC;
"""
DROP = "DROP FUNCTION IF EXISTS members_person_search(text);"


def _trigram_index(column):
    return django.contrib.postgres.indexes.GinIndex(
        django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(column), name="gin_trgm_ops"),
        name=f"person_{column}_trgm",
    )


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0005_list_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        TrigramExtension(),
        *(migrations.AddIndex(model_name="person", index=_trigram_index(column))
          for column in ("full_name", "position", "subject", "email")),
        migrations.RunSQL(CREATE, DROP),
    ]
