"""The access table, one module of rows per area so each area's owner edits only its own.

Each module defines ``ROWS``: URL name -> method ("GET"/"POST", or "HX GET"/"HX POST" to override
the plain answer for htmx requests) -> role -> expected status.
"""

from __future__ import annotations

ROLES = ("anonymous", "submitter", "other_submitter", "reviewer", "chair", "other_chair", "staff")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, *, anonymous: int = 302) -> dict[str, int]:
    return {**everyone(status), "anonymous": anonymous}


def only(roles: tuple[str, ...], status: int, *, anonymous: int = 302) -> dict[str, int]:
    out = everyone(404)
    out["anonymous"] = anonymous
    for role in roles:
        out[role] = status
    return out


# Three more roles, checked on every row without a column of their own: their expected status
# follows from the explicit columns by the rules in `derived`, plus the exceptions below.
EXTRA_ROLES = ("unassigned_reviewer", "speaker_reviewer", "deactivated", "mentor")

# The mentor matched to the world's proposal (issue 25): everywhere else they are an outsider
# (what other_submitter gets), except on the mentor's own pages. They are no reviewer: every
# reviewer screen of the proposal they mentor is a 404.
MENTOR: dict[str, dict[str, int]] = {
    "mentor_home": {"GET": 200, "POST": 405},
    "mentor_proposal": {"GET": 200, "POST": 400},
}

# Pages about one proposal that a reviewer reaches only through an assignment.
ASSIGNED_ONLY = frozenset(
    {"reviews:screen", "reviews:recuse", "reviews:others_reviews", "reviews:discussion"}
)

# The reviewer who is also a (confirmed co-)speaker on the proposal: as a speaker they reach the
# speaker's own pages of that proposal, which the owner-only actions still refuse.
SPEAKER_REVIEWER: dict[str, dict[str, int]] = {
    "cfp:mine_detail": {"GET": 200, "POST": 400},
    "cfp:mentoring": {"GET": 200, "POST": 400},
    # Managing the line-up is the owner's: a co-speaker is sent back with a message.
    "cfp:speakers": {"POST": 302},
    # Any speaker of an accepted proposal may answer for it (issue 19).
    "cfp:confirm": {"POST": 302},
    "cfp:decline": {"POST": 302},
    # Nobody bids on their own proposal: it is not on their bidding screen.
    "reviews:bid": {"POST": 404},
}


def derived(name: str, method: str, row: dict[str, int]) -> dict[str, int]:
    """Expected statuses of EXTRA_ROLES for one row.

    A deactivated account is treated as signed out. A reviewer of the call who is not assigned
    the proposal sees what an assigned reviewer sees of the call, and 404 for the proposal's own
    reviewer pages. A reviewer who speaks on the proposal is never assigned it (the assignment
    rules exclude speakers), so the same holds, except for their speaker pages.
    """
    reviewer = row["reviewer"]
    unassigned = 404 if name in ASSIGNED_ONLY and reviewer != 405 else reviewer
    speaker = SPEAKER_REVIEWER.get(name, {}).get(method.removeprefix("HX "), unassigned)
    return {
        "deactivated": row["anonymous"],
        "unassigned_reviewer": unassigned,
        "speaker_reviewer": speaker,
        "mentor": MENTOR.get(name, {}).get(method.removeprefix("HX "), row["other_submitter"]),
    }


def merged() -> dict[str, dict[str, dict[str, int]]]:
    from tests.access import accounts, api, cfp, chair, curation, diversity, reviewer

    table: dict[str, dict[str, dict[str, int]]] = {}
    for module in (accounts, cfp, reviewer, chair, curation, diversity, api):
        overlap = set(table) & set(module.ROWS)
        assert not overlap, f"rows defined twice: {sorted(overlap)}"
        table.update(module.ROWS)
    return table


def url_kwargs(
    params: set[str],
    *,
    slug: str,
    code: str,
    reviewer_pk: int,
    token: str = "not-a-valid-token",  # noqa: S107 (a URL token that matches nothing)
) -> dict[str, str]:
    """The one way the access table, the fuzzers and the crawlers fill a URL's parameters.

    A new converter name goes here once, and every suite that walks the table can build it.
    """
    values = {
        "slug": slug,
        "code": code,
        "token": token,
        "uidb64": "MQ",
        # The call's reviewer: a chair's page about them (their assignments, past talks).
        "reviewer_id": str(reviewer_pk),
        # No such draft: even the chair gets 404 (the outbox tests cover the rest).
        "draft_id": "0",
        # No such API token: even the chair gets 404 (tests/test_api_tokens_page.py has the rest).
        "token_id": "0",
        # No such notice (issue 19): even the chair gets 404.
        "notice_id": "0",
        "status": "accepted",
        # No such settings row (delete confirmation): even the chair gets 404; the settings
        # tests cover a real row.
        "row_id": "0",
        # No such reviewer invitation: resend and revoke are 404 for the chair too.
        "invitation_id": "0",
    }
    unknown = params - set(values)
    assert not unknown, f"tests/access/__init__.py: no value for URL parameters {sorted(unknown)}"
    return {k: v for k, v in values.items() if k in params}
