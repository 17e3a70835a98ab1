"""JSON columns read through a join or a subquery: parsed the same way on every backend.

SQLite hands such a value back as text where PostgreSQL hands it back parsed; every reader of
``flags``, ``published_feedback`` or an aggregated JSON array goes through these two functions.
"""

from __future__ import annotations

import json
from typing import Any


def parsed(value: object) -> Any:
    """The value, parsed if it came back as JSON text."""
    return json.loads(value or "null") if isinstance(value, str) else value


def strings(value: object) -> tuple[str, ...]:
    """A JSON list of strings (flags, feedback), as a tuple; anything else is empty."""
    found = parsed(value)
    return tuple(str(v) for v in found) if isinstance(found, list | tuple) else ()
