"""Rows for the reviewer's pages (/review/…)."""

from __future__ import annotations

from tests.access import everyone, only

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "reviews:queue": {"GET": only(("reviewer",), 200), "POST": everyone(405)},
    "reviews:screen": {
        "GET": only(("reviewer",), 200),
        "POST": only(("reviewer",), 400),
        "HX POST": only(("reviewer",), 200),
    },
}
