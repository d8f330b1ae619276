#!/bin/sh
# Run once by the postgres image when it creates its data folder: the role the platform
# connects as. It owns nothing and does not bypass row-level security; the tables belong to
# POSTGRES_USER, which runs the migrations (cluster_platform/rls.py).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$CLUSTER_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE cluster_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
SQL
