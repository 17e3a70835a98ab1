"""Rows for the public call pages and the submitter's pages (/calls/…)."""

from __future__ import annotations

from tests.access import everyone, only, signed_in

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "cfp:call": {"GET": everyone(200), "POST": everyone(405)},
    "cfp:submit": {"GET": signed_in(200), "POST": signed_in(400)},
    "cfp:scan": {"GET": signed_in(405), "POST": signed_in(200)},
    "cfp:mine": {"GET": signed_in(200), "POST": signed_in(405)},
    "cfp:mine_detail": {"GET": only(("submitter",), 200), "POST": only(("submitter",), 400)},
}
