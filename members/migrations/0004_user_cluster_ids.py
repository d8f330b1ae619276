"""The clusters a user has a role in, read past row-level security on purpose.

The home page and the cluster switcher list a person's clusters before any cluster is
chosen. Row-level security (cluster_platform/rls.py) shows the platform's role one cluster's
rows at a time, so this one function, owned by the tables' owner (SECURITY DEFINER), answers
that question alone: the ids of the clusters, nothing of the rows."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION members_user_cluster_ids(p_user_id bigint, p_statuses text[])
RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT cluster_id FROM members_clusterrole WHERE user_id = p_user_id
    UNION
    SELECT r.cluster_id FROM members_organizationrole r
      JOIN members_organization o ON o.id = r.organization_id
     WHERE r.user_id = p_user_id AND o.status = ANY (p_statuses)
$$;
REVOKE ALL ON FUNCTION members_user_cluster_ids(bigint, text[]) FROM PUBLIC;
"""
DROP = "DROP FUNCTION IF EXISTS members_user_cluster_ids(bigint, text[]);"


class Migration(migrations.Migration):
    dependencies = [("members", "0003_profile_language")]

    operations = [migrations.RunSQL(CREATE, DROP)]
