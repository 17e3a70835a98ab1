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
    # Issue 25: the speaker's mentoring page (a post without an action is refused, 400); the
    # mentor's pages, reached only by the world's mentor of the proposal (see MENTOR); a reviewer
    # volunteers (the world's call does not allow it: back to the queue with the message).
    "cfp:mentoring": {"GET": only(("submitter",), 200), "POST": only(("submitter",), 400)},
    "mentor_home": {"GET": only((), 404), "POST": only((), 404)},
    "mentor_proposal": {"GET": only((), 404), "POST": only((), 404)},
    "mentor_volunteer": {"GET": only(("reviewer",), 405), "POST": only(("reviewer",), 302)},
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
    # Staff set up calls (issue 19): everyone else gets 404; an empty form is a 400.
    "callsetup:list": {"GET": only(("staff",), 200), "POST": everyone(405)},
    "callsetup:new": {"GET": only(("staff",), 200), "POST": only(("staff",), 400)},
    "callsetup:clone": {"GET": only(("staff",), 200), "POST": only(("staff",), 400)},
    "callsettings:reopen": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    # The call's texts in other languages (issue 24): an empty form names no main language.
    "callsettings:translations": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "callsettings:findings": {
        "GET": only(("chair",), 200),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
}
