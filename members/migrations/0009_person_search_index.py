"""The people search from a trigram index, under row-level security.

`selectors.person_search` matches a term anywhere in a person's name, position, subject or
email. Under the policy (cluster_platform/rls.py) PostgreSQL may use an index only for a
leakproof operator, and LIKE is not one: the platform's role scans the cluster's rows, about
110 ms twice (the page and its count) at 113,870 people. Migrations 0006 and 0007 tried
trigram indexes on each column behind an SQL function and measured it slower: the function's
generic plan, with the pattern unknown, kept the cluster's index and filtered row by row.

Here the four columns are one expression with one trigram index, and the function is
PL/pgSQL that plans its query with the cluster and the pattern written in (EXECUTE format),
so the planner sees the pattern. Even so, with statistics on the expression it prefers walking
the cluster's index and testing every row (53 ms for a common first name): the cost of lowering
and matching four columns is not in its model. Inside the function only, plain index scans and
sequential scans are off, which leaves bitmap scans: the trigram index ANDed with the cluster's,
10-15 ms for that name, well under a millisecond for a rare term, 100 ms for a single letter
(which no trigram narrows). Owned by the tables' owner (SECURITY DEFINER), it
applies the policy's own condition itself and returns ids only; the rows are then read through
the policy as usual. The index is raw SQL: an expression Django's models would write otherwise."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SEARCHED = "lower(full_name || ' ' || position || ' ' || subject || ' ' || email)"

CREATE_INDEX = f"CREATE INDEX IF NOT EXISTS person_search_trgm ON members_person USING gin (({SEARCHED}) gin_trgm_ops);"
DROP_INDEX = "DROP INDEX IF EXISTS person_search_trgm;"

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION members_person_matches(p_cluster_id bigint, p_pattern text)
RETURNS SETOF bigint LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public SET enable_indexscan = off SET enable_seqscan = off AS $$
BEGIN
    -- The policy's own condition: the request's cluster, or the platform's scope.
    IF NOT (p_cluster_id = NULLIF(current_setting('app.cluster_id', true), '')::bigint
            OR current_setting('app.platform', true) = 'on') THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT id FROM members_person WHERE cluster_id = %%s AND %s LIKE lower(%%L)',
        p_cluster_id, p_pattern);
END
$$;
REVOKE ALL ON FUNCTION members_person_matches(bigint, text) FROM PUBLIC;
""" % SEARCHED.replace("'", "''")
DROP_FUNCTION = "DROP FUNCTION IF EXISTS members_person_matches(bigint, text);"


class Migration(migrations.Migration):

    dependencies = [("members", "0008_user_roles_function")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(CREATE_INDEX, DROP_INDEX),
        migrations.RunSQL(CREATE_FUNCTION, DROP_FUNCTION),
    ]
