"""Writing the rows: COPY on the tables' owner connection, one statement per table and cluster,
with the audit triggers off for the load, then the sequences and the planner's statistics.

Rows are tuples of str, int or None in the order of the columns given; dates, moments, ranges,
arrays and decimals come already as the text PostgreSQL reads (see clock.py), which keeps the
per-row cost of psycopg's write_row low.
"""

from __future__ import annotations

import time
from collections import defaultdict

from django.db import connection
from django.db.models import NOT_PROVIDED

NULL = None


class Loader:
    def __init__(self, cursor):
        self.cursor = cursor  # the psycopg cursor of the owner's connection
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.last_id: dict[str, int] = {}
        self._checked: set[str] = set()

    def copy(self, model, columns: tuple[str, ...], rows) -> int:
        """COPY the rows (any iterable, consumed once) into the model's table; the time spent
        generating them counts for the table. The first column must be the primary key `id`."""
        table = model._meta.db_table
        if table not in self._checked:
            check_columns(model, columns)
            self._checked.add(table)
        quote = connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
        started = time.perf_counter()
        count, last = 0, None
        with self.cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                last = row[0]
                count += 1
        self.seconds[table] += time.perf_counter() - started
        self.rows[table] += count
        if last is not None and columns[0] == "id":
            self.last_id[table] = max(self.last_id.get(table, 0), last)
        return count

    def execute(self, sql: str, params=None) -> None:
        self.cursor.execute(sql, params)


def check_columns(model, columns) -> None:
    """Every column the table needs a value for (NOT NULL, no database default) is written: a
    model that gains one makes the seeder fail here, saying which, instead of half-way."""
    needed = {
        field.column for field in model._meta.concrete_fields
        if not field.null and getattr(field, "db_default", NOT_PROVIDED) is NOT_PROVIDED
    }
    known = {field.column for field in model._meta.concrete_fields}
    missing = sorted(needed - set(columns))
    unknown = sorted(set(columns) - known)
    if missing or unknown:
        raise RuntimeError(
            f"cluster_platform.scale writes {model._meta.db_table} without {missing or '-'} and with unknown "
            f"columns {unknown or '-'}: bring the seeder in step with the model."
        )


def tables_with_user_triggers(cursor, tables: list[str]) -> list[str]:
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s) "
        "ORDER BY c.relname",
        [tables],
    )
    return [row[0] for row in cursor.fetchall()]


def set_triggers(cursor, tables: list[str], *, enabled: bool) -> None:
    """The audit triggers (django-pghistory) off for the bulk load and on again, inside the
    load's transaction: the owner may, and nobody else sees the tables meanwhile."""
    quote = connection.ops.quote_name
    verb = "ENABLE" if enabled else "DISABLE"
    for table in tables:
        cursor.execute(f"ALTER TABLE {quote(table)} {verb} TRIGGER USER")


class SecondaryStructures:
    """The foreign keys and the plain (not primary, not constraint) indexes of the loaded tables,
    dropped before the load and made again after it with their own definitions and names, as
    pg_restore does: one sort per index and one join per foreign key instead of a lookup and an
    index insertion per row. Everything happens in the load's transaction, so other sessions see
    the tables either as they were or loaded and complete; a row that breaks a foreign key or a
    unique index fails the load when the structure is made again. Primary keys, unique and
    exclusion constraints (booked resources that overlap) stay in place and check every row."""

    def __init__(self, cursor, tables: list[str]):
        self.cursor = cursor
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
            "ORDER BY t.relname, c.conname",
            [tables],
        )
        self.foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid "
            "WHERE NOT x.indisprimary AND c.oid IS NULL AND t.relnamespace = current_schema()::regnamespace "
            "AND t.relname = ANY(%s) ORDER BY t.relname, i.relname",
            [tables],
        )
        self.indexes = cursor.fetchall()

    def drop(self) -> None:
        quote = connection.ops.quote_name
        for table, name, _definition in self.foreign_keys:
            self.cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in self.indexes:
            self.cursor.execute(f"DROP INDEX {quote(name)}")

    def restore(self) -> None:
        quote = connection.ops.quote_name
        for _name, definition in self.indexes:
            self.cursor.execute(definition)
        for table, name, definition in self.foreign_keys:
            self.cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def set_sequences(cursor, last_ids: dict[str, int]) -> None:
    """Each table's id sequence after its highest id, so the platform's own inserts follow on."""
    for table, last in sorted(last_ids.items()):
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, true)", [table, last])


def analyze(cursor, tables) -> None:
    """Statistics for the planner, and VACUUM (the seed runs outside a transaction): it marks the freshly
    loaded pages all-visible, without which every index-only scan reads the table as well and
    the planner, costing that, prefers the one-column cluster index to the composite ones the
    lists are sorted by (the innovation board: 17 ms instead of 2). Autovacuum would do it
    later; a benchmark run straight after the seed must not depend on when."""
    quote = connection.ops.quote_name
    for table in sorted(tables):
        cursor.execute(f"VACUUM (ANALYZE) {quote(table)}")


class Timer:
    def __init__(self):
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started
