"""A user's roles in one cluster, read in the same statement that opens the cluster.

Every page and API call under /c/<slug>/ reads the cluster at its slug (which sets it as the
request's cluster for row-level security, cluster_platform/rls.py) and then the caller's roles
there: two round trips before any work. This function, owned by the tables' owner (SECURITY
DEFINER, as members_user_cluster_ids of 0004), lets the cluster's own query carry the roles:
its rows are exactly those of members.selectors.user_roles, for the cluster and user it is
given and nothing else (the cluster's roles, and the roles in organizations that keep access)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION members_user_roles(p_user_id bigint, p_cluster_id bigint, p_statuses text[])
RETURNS TABLE (organization_id bigint, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT NULL::bigint, c.role::text FROM members_clusterrole c
     WHERE c.cluster_id = p_cluster_id AND c.user_id = p_user_id
    UNION ALL
    SELECT r.organization_id, r.role::text FROM members_organizationrole r
      JOIN members_organization o ON o.id = r.organization_id
     WHERE r.cluster_id = p_cluster_id AND r.user_id = p_user_id AND o.cluster_id = p_cluster_id
       AND o.status = ANY (p_statuses)
$$;
REVOKE ALL ON FUNCTION members_user_roles(bigint, bigint, text[]) FROM PUBLIC;
"""
DROP = "DROP FUNCTION IF EXISTS members_user_roles(bigint, bigint, text[]);"


class Migration(migrations.Migration):
    dependencies = [("members", "0007_person_search_plain")]

    operations = [migrations.RunSQL(CREATE, DROP)]
