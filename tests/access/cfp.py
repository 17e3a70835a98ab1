"""Rows for the public call pages, the submitter's pages (/calls/…) and call settings (/chair/…)."""

from __future__ import annotations

from tests.access import everyone, only, signed_in

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "cfp:call": {"GET": everyone(200), "POST": everyone(405)},
    "cfp:submit": {"GET": signed_in(200), "POST": signed_in(400)},
    "cfp:scan": {"GET": signed_in(405), "POST": signed_in(200)},
    "cfp:mine": {"GET": signed_in(200), "POST": signed_in(405)},
    "cfp:mine_detail": {"GET": only(("submitter",), 200), "POST": only(("submitter",), 400)},
    # Only the owner withdraws: the question first (GET), then the withdrawal and back (POST).
    "cfp:withdraw": {"GET": only(("submitter",), 200), "POST": only(("submitter",), 302)},
    # An accepted speaker answers (issue 19); this proposal is not accepted: the question page
    # is not found and a POST goes back to the proposal page with the reason.
    "cfp:confirm": {"GET": signed_in(405), "POST": only(("submitter",), 302)},
    "cfp:decline": {"GET": only(("submitter",), 404), "POST": only(("submitter",), 302)},
    # Only the owner changes the line-up; an empty POST is a form error.
    "cfp:speakers": {"GET": signed_in(405), "POST": only(("submitter",), 400)},
    # A co-speaker's link: log in first; a bad token is a clear 400 for everyone signed in.
    "cfp:join": {"GET": signed_in(400), "POST": signed_in(400)},
    # Chairs of the call configure it; everyone else gets 404 (the call's existence is hidden).
    "callsettings:settings": {
        "GET": only(("chair",), 200),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 400),
    },
    **{
        f"callsettings:{section}": {
            "GET": only(("chair",), 302),
            "HX GET": only(("chair",), 200),
            "POST": only(("chair",), 400),
            # htmx swaps only 2xx answers: the section comes back with its errors in place.
            "HX POST": only(("chair",), 200),
        }
        for section in ("formats", "tracks", "criteria", "questions")
    },
    # The delete confirmation of a row that does not exist (row_id 0): 404 for the chair too.
    **{
        f"callsettings:delete_{noun}": {
            "GET": only(("chair",), 404),
            "POST": only(("chair",), 404),
        }
        for noun in ("format", "track", "criterion", "question")
    },
    "callsettings:reopen": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "callsettings:findings": {
        "GET": only(("chair",), 200),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
}
