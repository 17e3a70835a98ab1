"""What chairs see of speakers' answers (issue 19): a badge and a filter on the shortlist, the
notices of declines, edits and withdrawals after acceptance with the next waitlisted proposal
of the same format, and dismissing a notice (audited). Query budgets flat from 1 to 3 rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp.services import notices
from reviews import models
from tests.curation_world import Curation, curation

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _shortlist(w: Curation, query: str = "", **headers: str) -> str:
    response = w.client.get(reverse("chair:shortlist", args=[w.call.slug]) + query, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _codes(body: str) -> list[str]:
    return re.findall(r'href="/chair/[^/]+/proposals/([A-Z0-9]+)/[?"]', body)


def _accept_and_tell(p: cfp_models.Proposal, answer: str = "") -> None:
    models.Decision.objects.update_or_create(
        proposal=p, defaults={"status": "accepted", "version": 1}
    )
    cfp_models.Proposal.objects.filter(pk=p.pk).update(
        published_decision="accepted", decision_sent_at=timezone.now(), confirmation=answer
    )
    p.refresh_from_db()


def _waitlist(p: cfp_models.Proposal) -> None:
    models.Decision.objects.update_or_create(
        proposal=p, defaults={"status": "waitlisted", "version": 1}
    )


def _decline(p: cfp_models.Proposal) -> None:
    cfp_models.Proposal.objects.filter(pk=p.pk).update(confirmation="declined")
    p.refresh_from_db()
    notices.notify_chairs(proposal=p, kind="declined", actor_id=p.owner_id, now=timezone.now())


def test_the_shortlist_shows_each_speakers_answer() -> None:
    w = curation(4)
    _accept_and_tell(w.proposals[0], "confirmed")
    _accept_and_tell(w.proposals[1], "declined")
    _accept_and_tell(w.proposals[2])

    body = _shortlist(w)

    assert body.count("Speaker confirmed") == 1
    assert body.count("Speaker declined") >= 1
    assert body.count("Awaiting the speaker<") == 1


@pytest.mark.parametrize(
    ("answer", "expected"), [("awaiting", [2]), ("confirmed", [0]), ("declined", [1])]
)
def test_the_shortlist_filters_on_the_speakers_answer(answer: str, expected: list[int]) -> None:
    w = curation(4)
    _accept_and_tell(w.proposals[0], "confirmed")
    _accept_and_tell(w.proposals[1], "declined")
    _accept_and_tell(w.proposals[2])

    body = _shortlist(w, f"?confirmation={answer}", **HX)

    assert _codes(body) == [w.proposals[i].code for i in expected]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_answer_filter_keeps_the_shortlist_query_budget(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation(rows)
    for p in w.proposals:
        _accept_and_tell(p)

    with assert_queries(8):
        body = _shortlist(w, "?confirmation=awaiting", **HX)

    assert len(_codes(body)) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_the_notices_cost_one_query_on_the_full_page_whatever_their_number(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation(2 * rows)
    for p in w.proposals[:rows]:
        _accept_and_tell(p)
        _decline(p)
    for p in w.proposals[rows:]:
        _waitlist(p)

    # The shortlist page's nine (tests/test_chair_shortlist.py) and the notices.
    with assert_queries(10):
        body = _shortlist(w, "?sort=rank")

    assert body.count('class="next-waitlisted"') == rows


def test_a_decline_suggests_the_best_ranked_waitlisted_proposal_of_its_format() -> None:
    w = curation(4)
    declined, _accepted, second, first = w.proposals
    _accept_and_tell(declined)
    # Ranks: w.proposals are best first, so proposals[2] outranks proposals[3].
    _waitlist(first)
    _waitlist(second)
    _decline(declined)

    body = _shortlist(w)

    section = body[body.index('id="notices"') :]
    suggested = re.search(r'class="next-waitlisted">.*?proposals/([A-Z0-9]+)/', section, re.S)
    assert suggested is not None
    assert suggested.group(1) == second.code


def test_an_edit_after_acceptance_suggests_nobody() -> None:
    w = curation(2)
    _accept_and_tell(w.proposals[0])
    _waitlist(w.proposals[1])
    notices.notify_chairs(proposal=w.proposals[0], kind="edited", actor_id=None, now=timezone.now())

    body = _shortlist(w)

    assert "Edited after acceptance" in body
    assert 'class="next-waitlisted"' not in body


def test_a_chair_dismisses_a_notice_and_it_is_audited() -> None:
    w = curation(2)
    _accept_and_tell(w.proposals[0])
    _decline(w.proposals[0])
    notice = cfp_models.ChairNotice.objects.get()

    response = w.client.post(reverse("chair:notice_dismiss", args=[w.call.slug, notice.pk]))

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.dismissed_by == w.chair
    assert cfp_models.AuditEvent.objects.filter(action="notice.dismissed", actor=w.chair).exists()
    assert 'id="notices"' not in _shortlist(w)


def test_a_chair_of_another_call_cannot_dismiss_a_notice() -> None:
    w = curation(1)
    other = curation(1, slug="djangocon")
    _accept_and_tell(w.proposals[0])
    _decline(w.proposals[0])
    notice = cfp_models.ChairNotice.objects.get()

    response = other.client.post(reverse("chair:notice_dismiss", args=[other.call.slug, notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.dismissed_at is None
