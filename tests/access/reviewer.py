"""Rows for the reviewer's pages (/review/…) and the chair's page /chair/<slug>/reviewers/."""

from __future__ import annotations

from tests.access import everyone, only

ROWS: dict[str, dict[str, dict[str, int]]] = {
    "reviews:queue": {"GET": only(("reviewer",), 200), "POST": everyone(405)},
    "reviews:screen": {
        "GET": only(("reviewer",), 200),
        "POST": only(("reviewer",), 400),
        "HX POST": only(("reviewer",), 200),
    },
    # An empty reason is fine: the reviewer steps back and is sent on to the queue.
    # Over htmx the next proposal is swapped in place (204 with HX-Location).
    "reviews:recuse": {
        "GET": everyone(405),
        "POST": only(("reviewer",), 302),
        "HX POST": only(("reviewer",), 204),
    },
    # Issue 21: the world's reviewer has not reviewed yet, so both pages say "after your own
    # review" (200); a post is refused with the text kept (400, or the fragment over htmx).
    "reviews:others_reviews": {"GET": only(("reviewer",), 200), "POST": everyone(405)},
    "reviews:discussion": {
        "GET": only(("reviewer",), 200),
        "POST": only(("reviewer",), 400),
        "HX POST": only(("reviewer",), 200),
    },
    "reviews:bids": {"GET": only(("reviewer",), 200), "POST": everyone(405)},
    # An empty bid: the plain answer redirects with the message, htmx gets the row with it.
    "reviews:bid": {
        "GET": everyone(405),
        "POST": only(("reviewer",), 302),
        "HX POST": only(("reviewer",), 200),
    },
    # An empty profile is a valid one: saved, and back to the page.
    "reviews:expertise": {"GET": only(("reviewer",), 200), "POST": only(("reviewer",), 302)},
    # The table opens it with a token that matches no invitation: nobody gets anything.
    "reviews:accept_invitation": {"GET": everyone(404), "POST": everyone(404)},
    # Issue 19: removing the world's reviewer (a confirmation page, then the removal), and an
    # invitation that does not exist (invitation_id 0): 404 for the chair too.
    "reviewers:remove": {"GET": only(("chair",), 200), "POST": only(("chair",), 302)},
    "reviewers:resend": {"GET": everyone(405), "POST": only(("chair",), 404)},
    "reviewers:revoke": {"GET": everyone(405), "POST": only(("chair",), 404)},
    "reviewers:list": {
        "GET": only(("chair",), 200),
        # An empty form: the error comes back on the page (400) or in the fragment (200).
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
}
