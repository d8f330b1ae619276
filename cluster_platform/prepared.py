"""Queries of every request, built by the ORM once and run raw afterwards.

A handful of queries run on every request: the signed-in user's row, the API token's, the
cluster with the caller's roles. Building one through the ORM (annotations, subqueries, joins,
compiling) took longer than PostgreSQL takes to answer it. A `PreparedQuery` builds the
queryset once per shape, with stand-in values for its arguments, keeps the compiled SQL and
parameters, and afterwards runs that SQL raw with the real values put where the stand-ins
were: the same statement, the same rows, model instances as the queryset would give
(`Model.objects.raw`; annotations become attributes).
"""

from __future__ import annotations

from collections.abc import Callable


class PreparedQuery:
    """`build(*shape, **arguments) -> QuerySet`, compiled once per `shape` (whatever else
    changes the SQL: a flag, whether a transaction is open). Arguments are ints or strings; each
    gets a stand-in that no real value can equal (a negative id; a string with NUL characters,
    which PostgreSQL text never holds), and must reach the SQL's parameters as it is: compared
    with `=` or passed to a function, not made into a pattern (`startswith`) or a list."""

    def __init__(self, build: Callable):
        self.build = build
        self.model = None
        self._compiled: dict = {}

    def rows(self, *, shape: tuple = (), **arguments) -> list:
        sql, parameters, stand_ins = self.compiled(shape, arguments)
        values = [arguments[stand_ins[value]] if _is_stand_in(value, stand_ins) else value for value in parameters]
        return list(self.model.objects.raw(sql, values))

    def compiled(self, shape: tuple, arguments: dict) -> tuple[str, tuple, dict]:
        key = (shape, tuple(sorted(arguments)))
        if key not in self._compiled:
            stand_ins = {_stand_in(name, value, position): name
                         for position, (name, value) in enumerate(sorted(arguments.items()))}
            by_name = {name: stand_in for stand_in, name in stand_ins.items()}
            queryset = self.build(*shape, **by_name)
            self.model = queryset.model
            sql, parameters = queryset.query.sql_with_params()
            _check(parameters, stand_ins)
            self._compiled[key] = (sql, tuple(parameters), stand_ins)
        return self._compiled[key]


def _stand_in(name: str, value, position: int):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"PreparedQuery: {name} must be an int or a str, not {type(value).__name__}")
    return -918_273_645 - position if isinstance(value, int) else f"\x00{name}\x00"


def _is_stand_in(value, stand_ins: dict) -> bool:
    # Only ints and strs can be stand-ins: a list or a bool parameter is never one.
    return type(value) in (int, str) and value in stand_ins


def _check(parameters, stand_ins: dict) -> None:
    """Every argument stands in the parameters as itself, and nowhere else (a lookup that made a
    pattern of it would leave the stand-in in the SQL's parameters)."""
    found = {value for value in parameters if _is_stand_in(value, stand_ins)}
    for stand_in, name in stand_ins.items():
        if stand_in not in found:
            raise TypeError(f"PreparedQuery: {name} does not reach the SQL as it is (a pattern or a list?)")
    for value in parameters:
        if isinstance(value, str) and "\x00" in value and value not in stand_ins:
            raise TypeError(f"PreparedQuery: a parameter holds an argument changed on the way: {value!r}")
