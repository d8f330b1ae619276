"""The two role functions of 0004 and 0008 in PL/pgSQL, with the same rows.

Every page and API call under /c/<slug>/ calls members_user_roles (and a page calls
members_user_cluster_ids for the cluster switcher) in the query that opens the cluster. As SQL
functions with their own settings (SECURITY DEFINER, search_path) they cannot be inlined, and
PostgreSQL plans their query again at every call: about 130 µs a call at national scale. A
PL/pgSQL function keeps its query's plan for the connection's life: about 15 µs a call."""

from importlib import import_module

from django.db import migrations

USER_CLUSTER_IDS = """
CREATE OR REPLACE FUNCTION members_user_cluster_ids(p_user_id bigint, p_statuses text[])
RETURNS SETOF bigint LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY
    SELECT cluster_id FROM members_clusterrole WHERE user_id = p_user_id
    UNION
    SELECT r.cluster_id FROM members_organizationrole r
      JOIN members_organization o ON o.id = r.organization_id
     WHERE r.user_id = p_user_id AND o.status = ANY (p_statuses);
END
$$;
REVOKE ALL ON FUNCTION members_user_cluster_ids(bigint, text[]) FROM PUBLIC;
"""

USER_ROLES = """
CREATE OR REPLACE FUNCTION members_user_roles(p_user_id bigint, p_cluster_id bigint, p_statuses text[])
RETURNS TABLE (organization_id bigint, role text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY
    SELECT NULL::bigint, c.role::text FROM members_clusterrole c
     WHERE c.cluster_id = p_cluster_id AND c.user_id = p_user_id
    UNION ALL
    SELECT r.organization_id, r.role::text FROM members_organizationrole r
      JOIN members_organization o ON o.id = r.organization_id
     WHERE r.cluster_id = p_cluster_id AND r.user_id = p_user_id AND o.cluster_id = p_cluster_id
       AND o.status = ANY (p_statuses);
END
$$;
REVOKE ALL ON FUNCTION members_user_roles(bigint, bigint, text[]) FROM PUBLIC;
"""


def _sql_versions() -> str:
    """Back to the SQL functions as 0004 and 0008 made them (CREATE OR REPLACE keeps the grants)."""
    return "".join(import_module(f"members.migrations.{name}").CREATE
                   for name in ("0004_user_cluster_ids", "0008_user_roles_function"))


class Migration(migrations.Migration):
    dependencies = [("members", "0013_name_translations")]

    operations = [
        migrations.RunSQL(USER_CLUSTER_IDS + USER_ROLES, _sql_versions()),
    ]
