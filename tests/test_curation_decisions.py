"""Chairs decide: departures need a reason after the reveal, history is kept, nothing is
overwritten by a second chair, the last slot is filled once, and the proposal page is fixed-cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.services import curation
from tests import curation_world, factories

pytestmark = pytest.mark.django_db


def status_of(p: cfp_models.Proposal) -> str:
    return (
        models.Decision.objects.filter(proposal=p).values_list("status", flat=True).first()
        or "undecided"
    )


# --- departures -----------------------------------------------------------------------------


def test_accepting_in_rank_order_needs_no_reason() -> None:
    w = curation_world.curation(3, revealed=True)

    response = w.decide(w.proposals[0], "accepted")

    assert response.status_code == 302
    assert status_of(w.proposals[0]) == "accepted"


def test_accepting_below_an_undecided_proposal_without_a_reason_is_refused_with_input_kept() -> (
    None
):
    w = curation_world.curation(3, revealed=True)

    response = w.decide(w.proposals[2], "accepted", note="She gave a great lightning talk")

    assert response.status_code == 400
    body = response.content.decode()
    assert "departs from the calibrated order" in body
    assert "She gave a great lightning talk" in body
    assert re.search(r'value="accepted"[^>]*checked', body)
    assert status_of(w.proposals[2]) == "undecided"
    assert not models.DecisionChange.objects.exists()


def test_rejecting_above_an_accepted_proposal_without_a_reason_is_refused() -> None:
    w = curation_world.curation(3, revealed=True)
    w.decide(w.proposals[0], "accepted")
    w.decide(w.proposals[1], "accepted")

    response = w.decide(w.proposals[0], "rejected")

    assert response.status_code == 400
    assert "Rejecting this proposal departs from the calibrated order" in response.content.decode()
    assert status_of(w.proposals[0]) == "accepted"


def test_a_departure_with_a_reason_is_saved_and_marked_in_the_history() -> None:
    w = curation_world.curation(3, revealed=True)

    response = w.decide(w.proposals[2], "accepted", reason="first_time", note="Mentored")

    assert response.status_code == 302
    change = models.DecisionChange.objects.get(proposal=w.proposals[2])
    assert (change.reason, change.note, change.rank, change.departure) == (
        "first_time",
        "Mentored",
        3,
        True,
    )
    assert change.identities_known is True


def test_other_as_reason_needs_the_text() -> None:
    w = curation_world.curation(3, revealed=True)

    response = w.decide(w.proposals[2], "accepted", reason="other")

    assert response.status_code == 400
    assert "Say why in the note" in response.content.decode()
    assert status_of(w.proposals[2]) == "undecided"


def test_an_unknown_reason_is_refused() -> None:
    w = curation_world.curation(3, revealed=True)

    response = w.decide(w.proposals[2], "accepted", reason="because")

    assert response.status_code == 400
    assert status_of(w.proposals[2]) == "undecided"


def test_while_chairs_are_blind_a_departure_needs_no_reason_but_is_recorded() -> None:
    w = curation_world.curation(3)

    response = w.decide(w.proposals[2], "accepted")

    assert response.status_code == 302
    change = models.DecisionChange.objects.get()
    assert (change.departure, change.identities_known) == (True, False)


def test_a_call_whose_chairs_are_never_blind_needs_reasons_from_the_start() -> None:
    w = curation_world.curation(3)
    w.call.chairs_blind = False
    w.call.save(update_fields=["chairs_blind"])

    response = w.decide(w.proposals[2], "accepted")

    assert response.status_code == 400
    assert status_of(w.proposals[2]) == "undecided"


def test_departures_compare_only_proposals_of_the_same_format() -> None:
    w = curation_world.curation(3, revealed=True)
    workshop = cfp_models.Format.objects.create(
        call=w.call, slug="workshop", name="Workshop", slots=1
    )
    cfp_models.Proposal.objects.filter(pk=w.proposals[2].pk).update(format=workshop)

    response = w.decide(w.proposals[2], "accepted")

    assert response.status_code == 302


# --- history and audit ----------------------------------------------------------------------


def test_every_decision_change_is_kept_with_who_when_from_to_reason_and_note() -> None:
    w = curation_world.curation(3, revealed=True)
    p = w.proposals[0]

    w.decide(p, "waitlisted", note="Wait for the keynote list")
    w.decide(p, "accepted")
    w.decide(p, "rejected", reason="duplicate_topic", note="Same as the keynote")

    changes = list(
        models.DecisionChange.objects.filter(proposal=p)
        .order_by("created_at", "id")
        .values_list("from_status", "to_status", "reason", "note", "actor_id")
    )
    assert changes == [
        ("undecided", "waitlisted", "", "Wait for the keynote list", w.chair.pk),
        ("waitlisted", "accepted", "", "", w.chair.pk),
        ("accepted", "rejected", "duplicate_topic", "Same as the keynote", w.chair.pk),
    ]
    assert models.Decision.objects.get(proposal=p).version == 3


def test_every_decision_change_is_also_in_the_calls_audit_log() -> None:
    w = curation_world.curation(3, revealed=True)
    p = w.proposals[0]

    w.decide(p, "accepted")
    w.decide(p, "waitlisted")

    events = list(
        cfp_models.AuditEvent.objects.filter(call=w.call, proposal=p, action="decision.changed")
        .order_by("pk")  # in the order they were written (SQL promises no order without it)
        .values_list("actor_id", "data")
    )
    assert [(a, d["from"], d["to"]) for a, d in events] == [
        (w.chair.pk, "undecided", "accepted"),
        (w.chair.pk, "accepted", "waitlisted"),
    ]


def test_the_proposal_page_shows_the_history() -> None:
    w = curation_world.curation(3, revealed=True)
    p = w.proposals[2]
    w.decide(p, "accepted", reason="language_diversity", note="Talk in Spanish")

    body = w.client.get(w.url("proposal", p.code)).content.decode()

    assert "Language diversity" in body
    assert "Talk in Spanish" in body
    assert "departs from the ranking" in body
    assert "Charlotte Chair" in body


def test_deciding_the_same_status_again_is_refused_without_a_new_change() -> None:
    w = curation_world.curation(3, revealed=True)
    w.decide(w.proposals[0], "accepted")

    response = w.decide(w.proposals[0], "accepted")

    assert response.status_code == 400
    assert "already" in response.content.decode()
    assert models.DecisionChange.objects.count() == 1


def test_a_withdrawn_proposal_cannot_be_decided() -> None:
    w = curation_world.curation(3, revealed=True)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        state=cfp_models.ProposalState.WITHDRAWN
    )

    response = w.decide(w.proposals[0], "accepted")

    assert response.status_code == 400
    assert status_of(w.proposals[0]) == "undecided"


# --- concurrency (the sequential half; tests/test_curation_concurrency.py races them) -------


def test_a_second_chair_with_a_stale_version_gets_a_conflict_and_nothing_is_overwritten() -> None:
    w = curation_world.curation(3, revealed=True)
    other = factories.user("chair2", first_name="Oscar Other")
    factories.member(w.call, other, "chair")
    other_client = Client()
    other_client.force_login(other)
    p = w.proposals[0]
    w.decide(p, "accepted", version=0)

    response = w.decide(p, "waitlisted", version=0, client=other_client, note="My typed note")

    assert response.status_code == 409
    body = response.content.decode()
    assert "Charlotte Chair changed this decision" in body
    assert "it is now Accepted" in body
    assert "My typed note" in body
    assert 'name="version" value="1"' in body
    assert status_of(p) == "accepted"
    assert models.DecisionChange.objects.count() == 1


def test_a_conflict_over_htmx_comes_back_in_the_fragment() -> None:
    w = curation_world.curation(3, revealed=True)
    p = w.proposals[0]
    w.decide(p, "accepted", version=0)

    response = w.decide(p, "rejected", version=0, htmx=True, reason="other", note="Mine")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="decision"')
    assert "while you were looking" in body
    assert status_of(p) == "accepted"


def test_the_last_free_slot_is_filled_once() -> None:
    w = curation_world.curation(3, slots=1, revealed=True)
    w.decide(w.proposals[0], "accepted")

    response = w.decide(w.proposals[1], "accepted")

    assert response.status_code == 400
    assert "All 1 slots of this format are taken" in response.content.decode()
    assert status_of(w.proposals[1]) == "undecided"


def test_a_format_without_slots_accepts_nothing_and_says_where_to_set_them() -> None:
    w = curation_world.curation(1, slots=0, revealed=True)

    response = w.decide(w.proposals[0], "accepted")

    assert response.status_code == 400
    assert "This format has no slots yet" in response.content.decode()
    assert status_of(w.proposals[0]) == "undecided"


def test_the_service_refuses_a_stale_version_with_the_current_state() -> None:
    w = curation_world.curation(2, revealed=True)
    p = w.proposals[0]
    curation.decide(
        call_id=w.call.pk,
        code=p.code,
        to_status="accepted",
        seen_version=0,
        reason="",
        note="",
        actor_id=w.chair.pk,
        now=timezone.now(),
    )

    with pytest.raises(curation.DecisionConflict) as caught:
        curation.decide(
            call_id=w.call.pk,
            code=p.code,
            to_status="rejected",
            seen_version=0,
            reason="other",
            note="late",
            actor_id=w.chair.pk,
            now=timezone.now(),
        )

    assert (caught.value.current.status, caught.value.current.version) == ("accepted", 1)


# --- the decision controls ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "field", "message"),
    [
        ("", "reason", "departs from the calibrated order"),
        ("other", "note", "Say why in the note"),
    ],
)
def test_a_refused_field_is_described_by_its_message(reason: str, field: str, message: str) -> None:
    w = curation_world.curation(3, revealed=True)

    body = w.decide(w.proposals[2], "accepted", htmx=True, reason=reason).content.decode()

    control = re.search(rf'<(?:select|textarea)[^>]*name="{field}"[^>]*>', body)
    assert control is not None
    assert 'aria-invalid="true"' in control.group(0)
    assert f'aria-describedby="id_{field}_error"' in control.group(0)
    described = re.search(rf'id="id_{field}_error">(.*?)</div>', body, re.S)
    assert described is not None
    assert message in described.group(1)


def test_a_saved_decision_over_htmx_returns_the_fragment_and_announces_the_change() -> None:
    w = curation_world.curation(3, revealed=True)

    response = w.decide(w.proposals[0], "accepted", htmx=True)

    assert response.status_code == 200
    assert "Saved: Accepted." in response.content.decode()
    assert '"decisionChanged"' in response["HX-Trigger"]


def test_without_javascript_a_decision_redirects_to_a_safe_next_page() -> None:
    w = curation_world.curation(3, revealed=True)

    inside = w.decide(w.proposals[0], "accepted", next="/chair/pycon/")
    outside = w.decide(w.proposals[1], "accepted", next="https://evil.example/")

    assert inside["Location"] == "/chair/pycon/"
    assert outside["Location"] == w.url("proposal", w.proposals[1].code)


def test_the_decision_form_carries_the_version_it_shows() -> None:
    w = curation_world.curation(1, revealed=True)
    w.decide(w.proposals[0], "accepted")

    body = w.client.get(w.url("proposal", w.proposals[0].code)).content.decode()

    assert 'name="version" value="1"' in body


# --- reveal ---------------------------------------------------------------------------------


def test_reveal_without_the_confirmation_changes_nothing() -> None:
    w = curation_world.curation(1)

    response = w.client.post(w.url("reveal"), {})

    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    w.call.refresh_from_db()
    assert w.call.identities_revealed_at is None


def test_reveal_with_the_confirmation_is_recorded_once() -> None:
    w = curation_world.curation(1)

    first = w.client.post(w.url("reveal"), {"confirm": "on"})
    w.client.post(w.url("reveal"), {"confirm": "on"})

    assert first.status_code == 302
    w.call.refresh_from_db()
    assert w.call.identities_revealed_at is not None
    events = cfp_models.AuditEvent.objects.filter(call=w.call, action="identities.revealed")
    assert list(events.values_list("actor_id", flat=True)) == [w.chair.pk]


# --- the proposal page ----------------------------------------------------------------------


def test_a_blind_chair_sees_the_redacted_text_and_no_speaker() -> None:
    w = curation_world.curation(1)

    body = w.client.get(w.url("proposal", w.proposals[0].code)).content.decode()

    assert "Speakerton" not in body
    assert "speaker0@" not in body
    assert "[name]" in body
    assert "Hidden until identities are revealed" in body


def test_after_the_reveal_the_chair_sees_the_full_text_speakers_and_attributes() -> None:
    w = curation_world.curation(1, revealed=True)
    cfp_models.Speaker.objects.filter(email="speaker0@pycon.example").update(
        spoken_before=False, english_additional=True
    )

    body = w.client.get(w.url("proposal", w.proposals[0].code)).content.decode()

    assert "I am Ottoline Speakerton0" in body
    assert "speaker0@pycon.example" in body
    assert "first-time speaker" in body
    assert "English as an additional language" in body


def test_the_page_shows_each_review_with_its_reviewer_scores_note_and_feedback() -> None:
    w = curation_world.curation(1, revealed=True)
    reviewer = factories.user("rev", first_name="Rosalind Reviewer")
    curation_world.review(
        w.proposals[0], reviewer, comment="Strong for beginners", feedback="Add a demo"
    )

    body = w.client.get(w.url("proposal", w.proposals[0].code)).content.decode()

    assert "Rosalind Reviewer" in body
    assert "Strong for beginners" in body
    assert "Add a demo" in body
    # The calibrated score with its interval, on the criteria's 1–5 scale (8 of 10 reads 4.2).
    assert "4.20 (3.80–4.60)" in body


def test_the_blind_history_does_not_name_the_speaker_behind_an_event() -> None:
    w = curation_world.curation(1)
    p = w.proposals[0]
    cfp_models.AuditEvent.objects.create(
        call=w.call, proposal=p, actor=p.owner, action="speaker.invited", created_at=timezone.now()
    )

    blind = w.client.get(w.url("proposal", p.code)).content.decode()
    w.reveal()
    revealed = w.client.get(w.url("proposal", p.code)).content.decode()

    assert "Co-speaker invited" in blind
    assert "Speakerton" not in blind
    assert f"{curation_world.speaker_name(0)}: Co-speaker invited" in revealed


def test_the_blind_page_hides_the_text_of_scanner_findings() -> None:
    w = curation_world.curation(1)

    body = w.client.get(w.url("proposal", w.proposals[0].code)).content.decode()

    assert "shown after the reveal" in body
    assert "Ottoline" not in body


def test_after_the_reveal_a_finding_is_marked_not_a_leak_from_the_proposal_page() -> None:
    w = curation_world.curation(1, revealed=True)
    p = w.proposals[0]
    page_url = w.url("proposal", p.code)
    body = w.client.get(page_url).content.decode()
    form = re.search(
        r'name="field" value="(\w+)"><input type="hidden" name="start" value="(\d+)">'
        r'<input type="hidden" name="end" value="(\d+)">',
        body,
    )
    assert form, "no 'Not a leak' control on the page"

    response = w.client.post(
        reverse("callsettings:findings", args=[w.call.slug, p.code]),
        {"field": form[1], "start": form[2], "end": form[3], "next": page_url},
    )

    assert response.status_code == 302
    assert response["Location"] == page_url
    assert cfp_models.FalsePositive.objects.filter(proposal=p).count() == 1
    assert "false positive: shown to reviewers" in w.client.get(page_url).content.decode()


def test_while_blind_the_page_offers_no_blind_not_a_leak_button() -> None:
    w = curation_world.curation(1)

    body = w.client.get(w.url("proposal", w.proposals[0].code)).content.decode()

    assert "Not a leak" not in body
    assert "Review the flagged words in context" in body


def test_a_proposal_of_another_call_is_not_found() -> None:
    w = curation_world.curation(1)
    other = curation_world.curation(1, slug="djangocon")

    response = w.client.get(w.url("proposal", other.proposals[0].code))

    assert response.status_code == 404


@pytest.mark.parametrize("reviews", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("revealed", [False, True])
def test_the_proposal_page_runs_a_fixed_number_of_queries(
    reviews: int, htmx: bool, revealed: bool, assert_queries: Callable[[int], Any]
) -> None:
    w = curation_world.curation(3, revealed=revealed)
    p = w.proposals[0]
    for i in range(reviews):
        curation_world.review(p, factories.user(f"rev{i}"), feedback=f"feedback {i}")
    w.decide(p, "waitlisted", note="first")
    w.decide(p, "accepted", note="second")
    w.client.get(w.url("proposal", p.code))  # shows (and so clears) the saved-decision messages
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role; proposal (+format, track, decision); speakers when revealed;
    # current run; standing; decision log; audit events. The full page adds criteria, reviews,
    # the aggregate, the navigation and the previous / next neighbours in the list.
    expected = (8 if htmx else 13) + (1 if revealed else 0)
    with assert_queries(expected):
        response = w.client.get(w.url("proposal", p.code), headers=headers)

    assert response.status_code == 200
    if not htmx:
        assert response.content.decode().count('class="card review"') == reviews


def test_deciding_runs_a_fixed_number_of_queries(assert_queries: Callable[[int], Any]) -> None:
    w = curation_world.curation(3, revealed=True)

    # session, user, role, proposal (+speakers); the service: proposal, format lock, decision,
    # insert-if-missing, slot count, run, standing, update, change, audit event; then the
    # fragment: decision, run, standing, decision log, audit events.
    with assert_queries(20):
        response = w.decide(w.proposals[0], "accepted", version=0, htmx=True)

    assert response.status_code == 200
