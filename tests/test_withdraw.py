"""Withdrawing a proposal asks first and can be undone until the deadline.

The owner confirms on a page of its own (no JavaScript needed); the proposal page then shows the
text read-only with an "Undo withdrawal" button instead of a dead "Save changes". Undoing puts the
proposal back in the state it had, so the reviewer queue and the ranking count it again; after the
deadline the undo is refused with a message. Both steps leave an audit row.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models
from tests import factories

pytestmark = pytest.mark.django_db

CLOSES_AT = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = CLOSES_AT - dt.timedelta(days=1)
        monkeypatch.setattr(timezone, "now", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def call(clock: Clock) -> models.Call:
    return factories.call("pycon", opens_at=CLOSES_AT - dt.timedelta(days=30), closes_at=CLOSES_AT)


@pytest.fixture
def sam() -> Any:
    return factories.user("sam", first_name="Samira Quell")


@pytest.fixture
def proposal(call: models.Call, sam: Any) -> models.Proposal:
    return factories.proposal(call, sam, title="Caching without tears")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client(sam: Any, clock: Clock) -> Client:
    return signed_in(sam)


def detail_url(p: models.Proposal) -> str:
    return reverse("cfp:mine_detail", args=[p.call.slug, p.code])


def withdraw_url(p: models.Proposal) -> str:
    return reverse("cfp:withdraw", args=[p.call.slug, p.code])


def state_of(p: models.Proposal) -> str:
    p.refresh_from_db()
    return p.state


def actions(p: models.Proposal) -> list[tuple[str, dict[str, Any]]]:
    return list(
        models.AuditEvent.objects.filter(proposal=p).order_by("pk").values_list("action", "data")
    )


# --- asking first -------------------------------------------------------------------------


def test_the_withdraw_page_asks_and_changes_nothing(
    client: Client, proposal: models.Proposal
) -> None:
    response = client.get(withdraw_url(proposal))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Yes, withdraw my proposal" in html
    assert "No, keep it" in html
    assert "You can undo the withdrawal from the proposal’s page until 1 March 2027" in html
    assert state_of(proposal) == models.ProposalState.SUBMITTED


def test_the_proposal_page_links_to_the_question_not_to_an_immediate_withdrawal(
    client: Client, proposal: models.Proposal
) -> None:
    html = client.get(detail_url(proposal)).content.decode()

    assert f'href="{withdraw_url(proposal)}"' in html
    assert 'value="withdraw"' not in html


def test_an_old_style_post_lands_on_the_question_without_withdrawing(
    client: Client, proposal: models.Proposal
) -> None:
    response = client.post(detail_url(proposal), {"action": "withdraw"})

    assert response.status_code == 302
    assert response["Location"] == withdraw_url(proposal)
    assert state_of(proposal) == models.ProposalState.SUBMITTED


def test_confirming_withdraws_and_records_the_state_it_had(
    client: Client, proposal: models.Proposal, sam: Any
) -> None:
    response = client.post(withdraw_url(proposal))

    assert response.status_code == 302
    assert response["Location"] == detail_url(proposal)
    assert state_of(proposal) == models.ProposalState.WITHDRAWN
    event = models.AuditEvent.objects.get(proposal=proposal, action="proposal.withdrawn")
    assert (event.actor_id, event.data) == (sam.pk, {"previous_state": "submitted"})


# --- the page after a withdrawal ------------------------------------------------------------


def test_a_withdrawn_proposal_shows_its_text_read_only_with_the_undo_button(
    client: Client, proposal: models.Proposal
) -> None:
    client.post(withdraw_url(proposal))

    html = client.get(detail_url(proposal)).content.decode()

    assert "Save changes" not in html
    assert "Undo withdrawal" in html
    assert '<fieldset class="stack" disabled' in html
    assert "Caching without tears" in html


def test_a_closed_call_shows_no_dead_save_button_either(
    client: Client, proposal: models.Proposal, clock: Clock
) -> None:
    clock.now = CLOSES_AT + dt.timedelta(seconds=1)

    html = client.get(detail_url(proposal)).content.decode()

    assert "Save changes" not in html
    assert "<button" not in html.split('name="code"')[1].split("</form>")[0]


# --- undoing ----------------------------------------------------------------------------------


def test_undo_puts_the_proposal_back_and_the_edit_form_is_live_again(
    client: Client, proposal: models.Proposal, sam: Any
) -> None:
    client.post(withdraw_url(proposal))

    response = client.post(detail_url(proposal), {"action": "undo_withdrawal"})

    assert response.status_code == 302
    assert state_of(proposal) == models.ProposalState.SUBMITTED
    html = client.get(detail_url(proposal)).content.decode()
    assert "Save changes" in html
    assert "disabled" not in html.split('name="code"')[0].rsplit("<form", 1)[1]
    assert [a for a, _d in actions(proposal)] == [
        "proposal.withdrawn",
        "proposal.withdrawal_undone",
    ]
    saved = client.post(
        detail_url(proposal),
        {
            "title": "Caching without tears",
            "abstract": "Back in the call and edited.",
            "format": "talk",
            "level": "intermediate",
            "language": "en",
        },
    )
    assert saved.status_code == 302
    proposal.refresh_from_db()
    assert proposal.abstract == "Back in the call and edited."


@pytest.mark.parametrize(
    ("after_close", "reopened_for"),
    [
        (dt.timedelta(seconds=1), None),
        (dt.timedelta(days=3), None),
        (dt.timedelta(hours=2), dt.timedelta(hours=1)),  # the reopening ended too
    ],
    ids=["one second late", "days late", "after a reopening ended"],
)
def test_after_the_deadline_the_undo_is_refused_with_a_message(
    client: Client,
    proposal: models.Proposal,
    clock: Clock,
    after_close: dt.timedelta,
    reopened_for: dt.timedelta | None,
) -> None:
    client.post(withdraw_url(proposal))
    if reopened_for is not None:
        models.Proposal.objects.filter(pk=proposal.pk).update(
            reopened_until=CLOSES_AT + reopened_for
        )
    clock.now = CLOSES_AT + after_close

    response = client.post(detail_url(proposal), {"action": "undo_withdrawal"}, follow=True)

    html = response.content.decode()
    assert state_of(proposal) == models.ProposalState.WITHDRAWN
    assert "a withdrawal can no longer be undone" in html
    assert "Undo withdrawal" not in html
    assert "The call is closed: the withdrawal can no longer be undone." in html
    assert [a for a, _d in actions(proposal)] == ["proposal.withdrawn"]


def test_a_chairs_reopening_lets_the_speaker_undo_after_the_close(
    client: Client, proposal: models.Proposal, clock: Clock
) -> None:
    client.post(withdraw_url(proposal))
    models.Proposal.objects.filter(pk=proposal.pk).update(
        reopened_until=CLOSES_AT + dt.timedelta(days=2)
    )
    clock.now = CLOSES_AT + dt.timedelta(days=1)

    client.post(detail_url(proposal), {"action": "undo_withdrawal"})

    assert state_of(proposal) == models.ProposalState.SUBMITTED


@pytest.mark.parametrize(
    "steps",
    [list(s) for n in range(1, 5) for s in itertools.product(("withdraw", "undo"), repeat=n)],
    ids=lambda s: "-".join(s),
)
def test_any_sequence_ends_in_the_state_of_the_last_step_with_one_audit_row_per_change(
    client: Client, proposal: models.Proposal, steps: list[str]
) -> None:
    expected_actions = []
    state = "submitted"
    for step in steps:
        if step == "withdraw":
            client.post(withdraw_url(proposal))
            if state == "submitted":
                expected_actions.append("proposal.withdrawn")
            state = "withdrawn"
        else:
            client.post(detail_url(proposal), {"action": "undo_withdrawal"})
            if state == "withdrawn":
                expected_actions.append("proposal.withdrawal_undone")
            state = "submitted"

    assert state_of(proposal) == state
    assert [a for a, _d in actions(proposal)] == expected_actions
    assert (proposal in models.Proposal.objects.submitted()) == (state == "submitted")


# --- who may --------------------------------------------------------------------------------


@pytest.fixture
def co_speaker(proposal: models.Proposal) -> Any:
    bart = factories.user("bart")
    speaker = models.Speaker.objects.create(user=bart, name="Bart", email="bart@example.org")
    models.ProposalSpeaker.objects.create(
        proposal=proposal, speaker=speaker, position=1, confirmed_at=proposal.submitted_at
    )
    return bart


def test_a_co_speaker_can_neither_withdraw_nor_undo(
    client: Client, proposal: models.Proposal, co_speaker: Any
) -> None:
    bart = signed_in(co_speaker)
    assert bart.get(withdraw_url(proposal)).status_code == 404
    assert bart.post(withdraw_url(proposal)).status_code == 404
    assert state_of(proposal) == models.ProposalState.SUBMITTED

    client.post(withdraw_url(proposal))
    bart.post(detail_url(proposal), {"action": "undo_withdrawal"})

    assert state_of(proposal) == models.ProposalState.WITHDRAWN
    assert (
        "Only the proposal’s owner can undo the withdrawal."
        in bart.get(detail_url(proposal)).content.decode()
    )


# --- the rest of the call follows the state -------------------------------------------------


def test_the_reviewer_queue_drops_a_withdrawn_proposal_and_lists_it_again_after_the_undo(
    client: Client, proposal: models.Proposal
) -> None:
    rita = factories.user("rita")
    factories.member(proposal.call, rita, "reviewer")
    factories.assign(proposal, rita)
    reviewer = signed_in(rita)
    queue = reverse("reviews:queue", args=[proposal.call.slug])
    assert proposal.code in reviewer.get(queue).content.decode()

    client.post(withdraw_url(proposal))
    assert proposal.code not in reviewer.get(queue).content.decode()

    client.post(detail_url(proposal), {"action": "undo_withdrawal"})
    assert proposal.code in reviewer.get(queue).content.decode()


def test_the_next_ranking_leaves_a_withdrawn_proposal_out_and_counts_it_again_after_the_undo() -> (
    None
):
    from reviews import models as review_models
    from reviews import services as review_services
    from tests.curation_world import curation, review

    w = curation(3)
    target = w.proposals[0]
    owner = models.Proposal.objects.get(pk=target.pk).owner
    rita = factories.user("rita")
    factories.member(w.call, rita, "reviewer")
    for p in w.proposals:
        factories.assign(p, rita)
        review(p, rita)
    speaker = signed_in(owner)

    def ranked() -> set[int]:
        review_services.request_aggregation(call_id=w.call.pk, now=timezone.now(), enqueue=False)
        run_id = review_services.run_aggregation(call_id=w.call.pk, now=timezone.now())
        scores = review_models.ProposalScore.objects.filter(run_id=run_id)
        return set(scores.values_list("proposal_id", flat=True))

    assert target.pk in ranked()
    speaker.post(withdraw_url(target))
    assert target.pk not in ranked()
    speaker.post(detail_url(target), {"action": "undo_withdrawal"})
    assert target.pk in ranked()


def test_after_the_close_a_speaker_can_still_withdraw_and_is_told_it_is_final(
    client: Client, proposal: models.Proposal, clock: Clock
) -> None:
    clock.now = CLOSES_AT + dt.timedelta(hours=1)

    detail = client.get(detail_url(proposal)).content.decode()
    question = client.get(withdraw_url(proposal)).content.decode()
    client.post(withdraw_url(proposal))

    assert f'href="{withdraw_url(proposal)}"' in detail
    assert "the call is closed, so it cannot be undone" in detail
    assert "once withdrawn, the proposal cannot be put back" in question
    assert state_of(proposal) == models.ProposalState.WITHDRAWN


def test_a_decided_proposal_offers_no_withdrawal(client: Client, proposal: models.Proposal) -> None:
    models.Proposal.objects.filter(pk=proposal.pk).update(
        published_decision="accepted", decision_sent_at=timezone.now()
    )

    html = client.get(detail_url(proposal)).content.decode()

    assert withdraw_url(proposal) not in html


@pytest.mark.parametrize(
    ("code", "words"),
    [("accepted", "Accepted"), ("waitlisted", "On the waiting list"), ("rejected", "Not accepted")],
)
def test_my_proposals_names_the_published_decision_in_words(
    client: Client, proposal: models.Proposal, code: str, words: str
) -> None:
    models.Proposal.objects.filter(pk=proposal.pk).update(
        published_decision=code, decision_sent_at=timezone.now()
    )

    html = client.get(reverse("cfp:mine", args=[proposal.call.slug])).content.decode()

    assert f"<strong>{words}</strong>" in html
    assert f"<strong>{code}</strong>" not in html
