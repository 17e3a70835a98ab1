"""Rows for the chair's pages (/chair/…)."""

from __future__ import annotations

from tests.access import everyone, only

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "chair:dashboard": {"GET": only(("chair",), 200), "POST": everyone(405)},
    "chair:aggregation_status": {"GET": only(("chair",), 200), "POST": everyone(405)},
    "chair:aggregate": {
        "GET": everyone(405),
        "POST": only(("chair",), 302),
        "HX POST": only(("chair",), 200),
    },
    "chair:assign": {"GET": everyone(405), "POST": only(("chair",), 302)},
    "chair:export_csv": {"GET": only(("chair",), 200), "POST": everyone(405)},
}
