"""JSON columns read through a join or a subquery: parsed the same way on every backend.

SQLite hands such a value back as text where PostgreSQL hands it back parsed; every reader of
``flags``, ``published_feedback`` or an aggregated JSON array goes through these two functions.
``JSONArray`` builds such an array, one per group, on either backend.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Aggregate, JSONField


class JSONArray(Aggregate):
    """Collect values into a JSON array: SQLite's json_group_array, PostgreSQL's jsonb_agg.

    The order of the elements is not defined: sort them after ``parsed``.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # jsonb, not json: Django reads jsonb as text and parses it like any JSON column.
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


def parsed(value: object) -> Any:
    """The value, parsed if it came back as JSON text."""
    return json.loads(value or "null") if isinstance(value, str) else value


def strings(value: object) -> tuple[str, ...]:
    """A JSON list of strings (flags, feedback), as a tuple; anything else is empty."""
    found = parsed(value)
    return tuple(str(v) for v in found) if isinstance(found, list | tuple) else ()
