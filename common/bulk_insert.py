"""Insert many rows in one statement, whatever their number.

Django's ``bulk_create`` splits a batch by the database's limit on query parameters (on SQLite a
10,000-row insert of a ten-column model becomes four statements). Here every row travels in one
JSON parameter that the database unpacks itself (``json_each`` on SQLite,
``jsonb_array_elements`` on PostgreSQL), so one INSERT carries any number of rows. Values go in
as JSON: numbers, strings, booleans, None, dicts and lists for JSON columns, and datetimes
(converted here). No model ``save()``, signals or defaults run: give every column.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if connection.vendor == "sqlite":
            return connection.ops.adapt_datetimefield_value(value)
        return value.isoformat()
    return value


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def _column_name(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(str(_field(model, name).column))


def _column(field: models.Field[Any, Any], index: int) -> str:
    if connection.vendor == "sqlite":
        # A nested object or list comes back as JSON text: what a JSON column holds on SQLite.
        return f"json_extract(value, '$[{index}]')"
    if isinstance(field, models.JSONField):
        return f"(x -> {index})"
    return f"(x ->> {index})::{field.db_type(connection)}"


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """INSERT ``rows`` (tuples in the order of ``fields``, model attribute names) in one
    statement; returns the number of rows given. Nothing is sent for no rows."""
    if not rows:
        return 0
    meta = model._meta
    qn = connection.ops.quote_name
    names = ", ".join(_column_name(model, name) for name in fields)
    picks = ", ".join(_column(_field(model, name), i) for i, name in enumerate(fields))
    payload = json.dumps([[_value(v) for v in row] for row in rows])
    source = (
        "json_each(%s)" if connection.vendor == "sqlite" else "jsonb_array_elements(%s::jsonb) AS x"
    )
    # Only model metadata (quoted) is formatted in; the rows travel as the one parameter.
    sql = f"INSERT INTO {qn(meta.db_table)} ({names}) SELECT {picks} FROM {source}"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])
    return len(rows)


def insert_select(
    model: type[models.Model],
    fields: Sequence[str],
    query: models.QuerySet[Any, Any],
    *,
    unless_exists: str,
) -> None:
    """INSERT the rows a ``values_list`` query yields (its columns in the order of ``fields``),
    skipping any row whose ``unless_exists`` column (unique) is taken already, even by a
    concurrent insert: one statement, the rows never leave the database."""
    meta = model._meta
    qn = connection.ops.quote_name
    names = ", ".join(_column_name(model, name) for name in fields)
    select, params = query.query.sql_with_params()
    conflict = _column_name(model, unless_exists)
    # The SELECT has a WHERE clause, which SQLite needs to read ON CONFLICT after it.
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({names}) {select} "  # nosec B608
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
