"""The people search returns the matching rows' addresses (ctid), not their ids.

Migration 0009's function gave the ids of the matching people; the page's query then found
each again through the primary key (`id = ANY(ids)`), one index descent per match: for a common
first name at national scale (1,868 of a cluster's 113,870 people) 9 ms of the query's 19. The
function already reads those rows, so it now returns where they are, and the page's query reads
them straight from there (`ctid = ANY(tids)`, a TID scan: about 1 ms). Row addresses are only
good within one statement, which is where they are used: the function runs inside the page's
query, under its snapshot.

The organizations' arm of the search (a person of an organization whose name matches) is given
to the function as their ids and matched on the same rows (the organization index, in a
BitmapOr with the trigram index): the query has one set of rows, which a TID scan needs. As
0009's function, it applies the policy's condition itself (SECURITY DEFINER), plans its query
with the pattern written in, and uses bitmap scans only."""

from importlib import import_module

from django.db import migrations

_0009 = import_module("members.migrations.0009_person_search_index")

CREATE = """
CREATE OR REPLACE FUNCTION members_person_match_tids(p_cluster_id bigint, p_pattern text, p_organizations bigint[])
RETURNS SETOF tid LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public SET enable_indexscan = off SET enable_seqscan = off AS $$
BEGIN
    -- The policy's own condition: the request's cluster, or the platform's scope.
    IF NOT (p_cluster_id = NULLIF(current_setting('app.cluster_id', true), '')::bigint
            OR current_setting('app.platform', true) = 'on') THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT ctid FROM members_person WHERE cluster_id = %%s AND (%s LIKE lower(%%L) OR organization_id = ANY(%%L::bigint[]))',
        p_cluster_id, p_pattern, coalesce(p_organizations, '{}'));
END
$$;
REVOKE ALL ON FUNCTION members_person_match_tids(bigint, text, bigint[]) FROM PUBLIC;
""" % _0009.SEARCHED.replace("'", "''")
DROP = "DROP FUNCTION IF EXISTS members_person_match_tids(bigint, text, bigint[]);"


class Migration(migrations.Migration):
    dependencies = [("members", "0014_role_functions_plpgsql")]

    operations = [
        migrations.RunSQL(CREATE + _0009.DROP_FUNCTION, _0009.CREATE_FUNCTION + DROP),
    ]
