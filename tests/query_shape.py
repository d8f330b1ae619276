"""The SQL a permission-filtered list runs, for the tests that hold it to one statement.

A list narrowed to what a user may see must cost about what the whole list costs a
coordinator: the narrowing is a subquery inside the list's own statement, never ids read into
Python first and written back as `IN (1, 2, 3, ...)`, and never a second query to build the
filter. The subquery is an EXISTS where it is the whole condition, and `= ANY(ARRAY(SELECT
...))` where it is one arm of an OR (cluster_platform.permission_filters says why). These
helpers capture a request's statements, pick out the ones that read the list's rows, and
measure the literal id lists in them.

Each app's tests/test_permission_filters.py checks, for each of its lists: the right rows and
no others; as many statements as the coordinator's list or one more, whatever the number of
rows; and the narrowing is a subquery of the list's own statement, not a list of ids read first.
"""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

# The caller's own organizations (a handful, from the roles) may be written out; a longer list
# of literal ids was read from the data.
LONG_ID_LIST = 10

_IN_LIST = re.compile(r"\bIN \(([^()]*)\)")
_LITERAL = re.compile(r"\s*'?-?\d+'?\s*")


def captured(call):
    """(what `call()` returned, the SQL of every statement it ran)."""
    with CaptureQueriesContext(connection) as context:
        result = call()
    return result, [query["sql"] for query in context.captured_queries]


def literal_id_lists(sql: str) -> list[int]:
    """The lengths of the `IN (...)` lists of literal numbers in a statement."""
    lengths = []
    for match in _IN_LIST.finditer(sql):
        items = match.group(1).split(",")
        if all(_LITERAL.fullmatch(item) for item in items):
            lengths.append(len(items))
    return lengths


def list_statements(statements: list[str], table: str) -> list[str]:
    """The statements that read the list's own rows (its count and its page): `table` in the
    main FROM, not as a subquery's aliased table (`FROM "table" U0`)."""
    main_from = re.compile(rf'FROM "{re.escape(table)}"(?! U\d)(?:\s|$)')
    return [sql for sql in statements if sql.lstrip().upper().startswith("SELECT") and main_from.search(sql)]


EXISTS = "EXISTS("
ANY_OF = "= ANY(ARRAY(SELECT "


def assert_one_statement_filter(statements: list[str], table: str, *, subquery: str | None = EXISTS) -> None:
    """The list's statements carry the permission filter themselves: the `subquery` (EXISTS, or
    ANY_OF for an arm of an OR; None where the filter is the caller's own organizations) and no
    long list of literal ids."""
    reading = list_statements(statements, table)
    assert reading, f"no statement reads {table}: {statements}"
    for sql in reading:
        if subquery:
            assert subquery in sql, sql
        assert max(literal_id_lists(sql), default=0) < LONG_ID_LIST, sql


def assert_costs_like_the_coordinator(counts: dict) -> None:
    """`counts[(user, rows)]` = statements run: the filtered list runs no more than the
    coordinator's and one, and no count grows with the rows."""
    users = {user for user, _rows in counts}
    sizes = sorted({rows for _user, rows in counts})
    for user in users:
        assert len({counts[user, rows] for rows in sizes}) == 1, counts
    for user in users - {"coordinator"}:
        for rows in sizes:
            assert counts[user, rows] <= counts["coordinator", rows] + 1, counts


def api(user):
    """A client authenticated as a fresh copy of the user: no roles remembered from a request before."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    return client


def api_ids(user, path, **params) -> set[int]:
    """The ids of the first 500 rows of a list endpoint, as the user sees it."""
    response = api(user).get(path, {"page_size": 500, **params})
    assert response.status_code == 200
    return {row["id"] for row in response.data["results"]}
