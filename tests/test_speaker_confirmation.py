"""Accepted speakers confirm or decline on their proposal page, by the deadline the chair set
(issue 19). Declining asks first and is final; a decline, and an edit or withdrawal after
acceptance, leave the chairs a notice; every step is audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models
from cfp.services import notices
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 5, 1, 10, 0, tzinfo=dt.UTC)
DEADLINE = dt.datetime(2027, 5, 15, 16, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = NOW
        monkeypatch.setattr(timezone, "now", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def sam() -> Any:
    return factories.user("sam", first_name="Samira Quell")


@pytest.fixture
def accepted(clock: Clock, sam: Any) -> models.Proposal:
    c = factories.call("pycon", now=NOW - dt.timedelta(days=60))
    # The call closed long ago; the talk was accepted and the speaker told.
    models.Call.objects.filter(pk=c.pk).update(
        closes_at=NOW - dt.timedelta(days=30),
        confirmation_deadline_at=DEADLINE,
        timezone="Europe/Madrid",
    )
    clock.now = NOW - dt.timedelta(days=45)
    p = factories.proposal(c, sam, title="Caching without tears")
    clock.now = NOW
    p.published_decision, p.decision_sent_at = "accepted", NOW - dt.timedelta(days=1)
    p.save(update_fields=["published_decision", "decision_sent_at"])
    return p


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, p: models.Proposal) -> str:
    return reverse(f"cfp:{name}", args=[p.call.slug, p.code])


def test_the_proposal_page_asks_an_accepted_speaker_with_the_deadline_in_the_calls_zone(
    accepted: models.Proposal, sam: Any
) -> None:
    html = signed_in(sam).get(url("mine_detail", accepted)).content.decode()
    assert "Waiting for your answer" in html
    # 16:00 UTC is 18:00 in Madrid (summer time).
    assert "Please answer by 15 May 2027, 18:00 CEST." in html
    assert url("confirm", accepted) in html
    assert url("decline", accepted) in html


def test_a_proposal_not_accepted_offers_no_answer(accepted: models.Proposal, sam: Any) -> None:
    models.Proposal.objects.filter(pk=accepted.pk).update(published_decision="waitlisted")
    html = signed_in(sam).get(url("mine_detail", accepted)).content.decode()
    assert "Will you give this talk?" not in html
    response = signed_in(sam).post(url("confirm", accepted), follow=True)
    assert "Only an accepted proposal can be confirmed" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.confirmation == ""


def test_a_speaker_confirms_and_it_is_audited(accepted: models.Proposal, sam: Any) -> None:
    response = signed_in(sam).post(url("confirm", accepted), follow=True)
    assert "you confirmed your talk" in response.content.decode()
    accepted.refresh_from_db()
    assert (accepted.confirmation, accepted.confirmation_at) == ("confirmed", NOW)
    assert models.AuditEvent.objects.filter(
        proposal=accepted, action="proposal.confirmed", actor=sam
    ).exists()
    assert not models.ChairNotice.objects.exists()
    assert "You confirmed on 1 May 2027, 12:00 CEST." in response.content.decode()


def test_declining_asks_first_and_changes_nothing_until_confirmed(
    accepted: models.Proposal, sam: Any
) -> None:
    html = signed_in(sam).get(url("decline", accepted)).content.decode()
    assert "A decline cannot be undone here." in html
    assert 'method="post"' in html
    accepted.refresh_from_db()
    assert accepted.confirmation == ""


def test_a_decline_tells_the_chairs_and_is_final(accepted: models.Proposal, sam: Any) -> None:
    client = signed_in(sam)
    client.post(url("confirm", accepted))
    client.post(url("decline", accepted))
    accepted.refresh_from_db()
    assert accepted.confirmation == "declined"
    (notice,) = models.ChairNotice.objects.all()
    assert (notice.proposal_id, notice.kind) == (accepted.pk, "declined")
    actions = set(models.AuditEvent.objects.values_list("action", flat=True))
    assert {"proposal.confirmed", "proposal.declined", "notice.created"} <= actions
    response = client.post(url("confirm", accepted), follow=True)
    assert "a decline cannot be undone" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.confirmation == "declined"


def test_an_answer_one_second_late_is_refused_with_the_deadline(
    accepted: models.Proposal, sam: Any, clock: Clock
) -> None:
    clock.now = DEADLINE + dt.timedelta(seconds=1)
    client = signed_in(sam)
    response = client.post(url("confirm", accepted), follow=True)
    assert "The deadline to answer was 2027-05-15 18:00 CEST" in response.content.decode()
    client.post(url("decline", accepted))
    accepted.refresh_from_db()
    assert accepted.confirmation == ""
    html = client.get(url("mine_detail", accepted)).content.decode()
    assert url("confirm", accepted) not in html
    assert "The deadline to answer was 15 May 2027, 18:00 CEST." in html


def test_another_person_cannot_answer(accepted: models.Proposal) -> None:
    otto = factories.user("otto")
    assert signed_in(otto).post(url("confirm", accepted)).status_code == 404
    assert signed_in(otto).get(url("decline", accepted)).status_code == 404
    accepted.refresh_from_db()
    assert accepted.confirmation == ""


def test_a_withdrawal_after_acceptance_tells_the_chairs(
    accepted: models.Proposal, sam: Any
) -> None:
    signed_in(sam).post(url("withdraw", accepted))
    (notice,) = models.ChairNotice.objects.all()
    assert notice.kind == "withdrawn"


def test_an_edit_after_acceptance_tells_the_chairs(
    accepted: models.Proposal, sam: Any, clock: Clock
) -> None:
    models.Proposal.objects.filter(pk=accepted.pk).update(reopened_until=NOW + dt.timedelta(days=1))
    response = signed_in(sam).post(
        url("mine_detail", accepted),
        {
            "title": "Caching with fewer tears",
            "abstract": accepted.abstract,
            "format": "talk",
            "track": "web",
            "level": "intermediate",
            "language": "en",
        },
    )
    assert response.status_code == 302
    (notice,) = models.ChairNotice.objects.all()
    assert notice.kind == "edited"
    assert models.AuditEvent.objects.filter(action="notice.created").count() == 1


def test_an_edit_before_any_decision_tells_nobody(accepted: models.Proposal) -> None:
    models.Proposal.objects.filter(pk=accepted.pk).update(
        published_decision="", decision_sent_at=None
    )
    accepted.refresh_from_db()
    assert not notices.notify_chairs(proposal=accepted, kind="edited", actor_id=None, now=NOW)
    assert not models.ChairNotice.objects.exists()


def test_a_chair_sets_the_confirmation_deadline_in_the_calls_zone_and_it_is_audited() -> None:
    from tests.test_cfp_settings import call_form, settings_url

    c = factories.call("pycon")
    chad = factories.user("chad")
    factories.member(c, chad, "chair")
    client = signed_in(chad)
    response = client.post(
        settings_url(c),
        call_form(timezone="Europe/Madrid", confirmation_deadline_at="2027-05-15T18:00"),
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.confirmation_deadline_at == DEADLINE
    assert 'value="2027-05-15T18:00"' in client.get(settings_url(c)).content.decode()
    (event,) = models.AuditEvent.objects.filter(call=c, action="call.changed")
    assert "confirmation_deadline_at" in event.data["changes"]
    bad = client.post(settings_url(c), call_form(confirmation_deadline_at="soonish"))
    assert bad.status_code == 400
    assert "soonish" in bad.content.decode()


def test_a_speakers_own_data_export_holds_their_answer(accepted: models.Proposal, sam: Any) -> None:
    client = signed_in(sam)
    client.post(url("confirm", accepted))

    data = json.loads(client.get(reverse("my_data_export")).content)

    (mine,) = [p for p in data["proposals"] if p["code"] == accepted.code]
    assert (mine["confirmation"], mine["confirmation_at"]) == ("confirmed", NOW.isoformat())
