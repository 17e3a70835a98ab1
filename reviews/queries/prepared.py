"""Queries whose SQL the ORM builds once per process: later calls only bind new values.

The scoring screen is the page reviewers load most, and building a query through the ORM
(joins, filtered relations, compiling to SQL) costs it more than running it. A query whose shape
never changes, only its values, is built once with stand-in values, and the stand-ins' places in
the parameter list are remembered; each call then runs that SQL with its own values.

Rows come back as tuples of Python values: the ORM's converters for the selected columns (JSON,
datetimes, booleans on SQLite) are kept from the build and applied to each call's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet

# Stand-ins for the values a query is built with: negative and far from any primary key, and
# text no one types, so a constant of the query itself can never be taken for one.
_MARK_INT = -(2**31) + 7919
_MARK_TEXT = "\x00prepared:"


# The SQL, each parameter as (is a call's value, its name or the constant), and the ORM's
# converters by column position.
_Compiled = tuple[str, tuple[tuple[bool, Any], ...], tuple[tuple[int, tuple[Any, ...], Any], ...]]


class UnableToPrepare(Exception):
    """The query does not take every value as a parameter (an ORM that inlines one, say)."""


class Prepared:
    """``build(**values)`` run once per database, then only re-bound.

    ``ints`` and ``texts`` name ``build``'s keyword arguments by type: each call must give
    exactly those.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        model: type[Model],
        ints: tuple[str, ...] = (),
        texts: tuple[str, ...] = (),
    ) -> None:
        self._build = build
        self._model = model
        self._names = frozenset(ints) | frozenset(texts)
        self._marks: dict[str, int | str] = {
            **{name: _MARK_INT - i for i, name in enumerate(ints)},
            **{name: f"{_MARK_TEXT}{name}" for name in texts},
        }
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        compiler = self._build(**self._marks).using(alias).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        by_mark = {mark: name for name, mark in self._marks.items()}
        slots = tuple(
            (True, by_mark[p]) if isinstance(p, (int, str)) and p in by_mark else (False, p)
            for p in params
        )
        if {name for bound, name in slots if bound} != self._names:
            raise UnableToPrepare(f"{self._build.__qualname__}: a value is not a parameter")
        return sql, slots, converters

    def rows(self, **values: int | str) -> list[tuple[Any, ...]]:
        if set(values) != self._names:
            raise TypeError(f"expected {sorted(self._names)}, got {sorted(values)}")
        alias = router.db_for_read(self._model)
        key = f"{alias}:{connections[alias].vendor}"
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(alias)
        sql, slots, converters = compiled
        params: list[Any] = [values[str(v)] if bound else v for bound, v in slots]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in fetched]
        out = []
        for row in fetched:
            values_ = list(row)
            for position, functions, expression in converters:
                value = values_[position]
                for function in functions:
                    value = function(value, expression, connection)
                values_[position] = value
            out.append(tuple(values_))
        return out
