"""Rows for the chairs' curation pages (proposal page, decisions, reveal, e-mails).

Only the call's chairs get in; everyone else signed in gets 404 (staff too: staff is not a role
in a call). Empty POSTs from a chair are refused with 400: the forms need their fields.
"""

from __future__ import annotations

from tests.access import everyone, only

CHAIR = ("chair",)

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "curation:proposal": {"GET": only(CHAIR, 200), "POST": everyone(405)},
    "curation:decide": {
        "GET": everyone(405),
        "POST": only(CHAIR, 400),
        # htmx swaps 2xx answers only: the fragment with the errors comes back as 200.
        "HX POST": only(CHAIR, 200),
    },
    "curation:reveal": {"GET": only(CHAIR, 200), "POST": only(CHAIR, 400)},
    "curation:displacement": {"GET": only(CHAIR, 200), "POST": everyone(405)},
    "curation:emails": {"GET": only(CHAIR, 200), "POST": only(CHAIR, 400)},
    "curation:preview": {"GET": only(CHAIR, 200), "POST": everyone(405)},
    "curation:send_progress": {"GET": only(CHAIR, 200), "POST": everyone(405)},
}
