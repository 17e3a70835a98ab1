"""Rows for the JSON API (/api/v1/…).

The table's clients sign in with a session, which the API ignores: without a bearer token every
data endpoint answers 401, whatever the role. Tokens, scopes and calls are tested in
tests/test_api.py; the schema itself is public.
"""

from __future__ import annotations

from tests.access import everyone

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "api:openapi-json": {"GET": everyone(200), "POST": everyone(405)},
    "api:proposals": {"GET": everyone(401), "POST": everyone(405)},
    "api:reviewers": {"GET": everyone(401), "POST": everyone(405)},
    "api:export_json": {"GET": everyone(401), "POST": everyone(405)},
}
