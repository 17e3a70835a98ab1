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
    # Without a reviewer in the form: the plain answer redirects with a message, htmx gets the
    # reviewers fragment with it.
    "chair:remind": {
        "GET": everyone(405),
        "POST": only(("chair",), 302),
        "HX POST": only(("chair",), 200),
    },
    # An empty form: refused with a message and back to the reviewers page.
    "chair:run_assignment": {"GET": everyone(405), "POST": only(("chair",), 302)},
    # Without a reviewer: the plain answer redirects with the message, htmx gets the panel.
    "chair:proposal_reviewers": {
        "GET": only(("chair",), 200),
        "POST": only(("chair",), 302),
        "HX POST": only(("chair",), 200),
    },
    # Without a proposal code: the page again, with the error (400).
    "chair:reviewer_assignments": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "chair:shortlist": {"GET": only(("chair",), 200), "POST": everyone(405)},
    # Issue 22: an empty settings form / experiment form is refused with the page (400).
    "chair:extra_reviews": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "chair:consistency": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    # Issue 25: requests and mentors; a post without an action is refused with the page (400).
    "chair:mentoring": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    # Issue 21: the world's proposal has no thread yet: the page offers to open it (200); a post
    # is refused with the text kept (400, or the fragment over htmx); opening it redirects.
    "chair:discussion": {
        "GET": only(("chair",), 200),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
    "chair:discussion_open": {"GET": everyone(405), "POST": only(("chair",), 302)},
    # Tags (issue 21): an empty new tag is refused with the page (400); the proposal's tags
    # saved empty (the call has none) go back to the proposal (302), or the fragment (200).
    "chair:tags": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "chair:proposal_tags": {
        "GET": only(("chair",), 200),
        "POST": only(("chair",), 302),
        "HX POST": only(("chair",), 200),
    },
    # Bulk/inline decisions: an empty form is refused (400; htmx gets the results part, 200).
    "chair:bulk_decide": {
        "GET": everyone(405),
        "POST": only(("chair",), 400),
        "HX POST": only(("chair",), 200),
    },
    # The outbox: empty POSTs are refused (400) or end in a message and the outbox (302).
    "chair:outbox": {"GET": only(("chair",), 200), "POST": everyone(405)},
    # A notice id that is not in the call: 404 for everyone (tests/test_confirmation_chairs.py).
    "chair:notice_dismiss": {"GET": everyone(405), "POST": only(("chair",), 404)},
    "chair:outbox_feedback": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "chair:outbox_generate": {"GET": everyone(405), "POST": only(("chair",), 302)},
    # A draft id that is not in the call: 404 for everyone (tests/test_outbox_review.py).
    "chair:outbox_draft": {"GET": only(("chair",), 404), "POST": only(("chair",), 404)},
    "chair:outbox_discard": {"GET": everyone(405), "POST": only(("chair",), 404)},
    "chair:outbox_resend": {"GET": everyone(405), "POST": only(("chair",), 404)},
    "chair:outbox_send": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "chair:export_csv": {"GET": only(("chair",), 200), "POST": everyone(405)},
    "chair:export_xlsx": {"GET": only(("chair",), 200), "POST": everyone(405)},
    "chair:export_json": {"GET": only(("chair",), 200), "POST": everyone(405)},
    # API tokens (issue 20): an empty form is refused (no scope chosen); token 0 is no token.
    "chair:api_tokens": {"GET": only(("chair",), 200), "POST": only(("chair",), 400)},
    "chair:api_token_revoke": {"GET": only(("chair",), 404), "POST": only(("chair",), 404)},
}
