"""Drafts (issue 25): a speaker saves a proposal without submitting it, and submits it later.

A draft belongs to its speaker until it is submitted: nobody on the committee reads it, no count,
report, export or assignment includes it, and the deadline applies when it is submitted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cfp import models
from reviews.queries import assignment_inputs, dashboard
from tests import access, factories
from tests.test_access import TABLE, _names
from tests.test_submission import CLOSES_AT, Clock, detail_url, form_data, submit_url

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Quorvexil draft about caching"
DRAFT_ABSTRACT = "Thradrynwick abstract that only its speaker may read."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def call(clock: Clock) -> models.Call:
    return factories.call("pycon", opens_at=CLOSES_AT - dt.timedelta(days=30), closes_at=CLOSES_AT)


@pytest.fixture
def client_for(clock: Clock) -> Callable[[Any], Client]:
    def signed_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def sam() -> Any:
    return factories.user("sam", first_name="Samira Quell")


def save_draft(client: Client, call: models.Call, **changes: str) -> models.Proposal:
    response = client.post(submit_url(call), {**form_data(**changes), "action": "draft"})
    assert response.status_code == 302
    return models.Proposal.objects.get(title=changes.get("title", form_data()["title"]))


def test_saving_a_draft_keeps_it_out_of_the_call_and_sends_no_receipt(
    client_for: Callable[[Any], Client], call: models.Call, sam: Any
) -> None:
    draft = save_draft(client_for(sam), call, title=DRAFT_TITLE)

    assert draft.state == models.ProposalState.DRAFT
    assert not models.Proposal.objects.submitted().filter(pk=draft.pk).exists()
    assert not models.EmailOutbox.objects.filter(key=f"submitted:{draft.code}").exists()
    assert draft.versions.count() == 1  # the single write path ran: a version and a redaction
    assert draft.redacted["title"] == DRAFT_TITLE


def test_the_draft_page_says_how_long_is_left_in_the_calls_time_zone(
    client_for: Callable[[Any], Client], call: models.Call, sam: Any, clock: Clock
) -> None:
    models.Call.objects.filter(pk=call.pk).update(timezone="Europe/Madrid")
    client = client_for(sam)
    draft = save_draft(client, call, title=DRAFT_TITLE)
    clock.set(CLOSES_AT - dt.timedelta(days=2, hours=3))

    html = client.get(detail_url(call, draft.code)).content.decode()

    assert "2\xa0days, 3\xa0hours left to submit." in html
    # 12:00 UTC on 1 March is 13:00 in Madrid (CET).
    assert "The call closes on 1 March 2027, 13:00 CET." in html
    assert 'value="submit_draft"' in html


def test_submitting_a_draft_before_the_deadline_puts_it_in_the_call(
    client_for: Callable[[Any], Client], call: models.Call, sam: Any, clock: Clock
) -> None:
    client = client_for(sam)
    draft = save_draft(client, call, title=DRAFT_TITLE)
    clock.set(CLOSES_AT - dt.timedelta(seconds=1))

    response = client.post(
        detail_url(call, draft.code),
        {**form_data(title=DRAFT_TITLE, abstract="Final words."), "action": "submit_draft"},
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == models.ProposalState.SUBMITTED
    assert draft.abstract == "Final words."
    assert draft.submitted_at == CLOSES_AT - dt.timedelta(seconds=1)
    assert models.EmailOutbox.objects.filter(key=f"submitted:{draft.code}").exists()
    assert models.AuditEvent.objects.filter(
        proposal=draft, action="proposal.draft_submitted"
    ).exists()


def test_a_draft_submitted_one_second_late_is_refused_and_the_text_kept(
    client_for: Callable[[Any], Client], call: models.Call, sam: Any, clock: Clock
) -> None:
    client = client_for(sam)
    draft = save_draft(client, call, title=DRAFT_TITLE)
    clock.set(CLOSES_AT + dt.timedelta(seconds=1))

    response = client.post(
        detail_url(call, draft.code),
        {**form_data(title=DRAFT_TITLE, abstract="Typed too late."), "action": "submit_draft"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "The call closed at" in html
    assert "Typed too late." in html
    draft.refresh_from_db()
    assert draft.state == models.ProposalState.DRAFT


def test_a_co_speaker_cannot_submit_the_owners_draft(
    client_for: Callable[[Any], Client], call: models.Call, sam: Any
) -> None:
    from cfp.services import proposals

    draft = save_draft(client_for(sam), call, title=DRAFT_TITLE)
    other = factories.user("otto")

    with pytest.raises(proposals.UnableToSubmit):
        proposals.submit_draft(
            call_slug=call.slug, code=draft.code, user_id=other.pk, now=CLOSES_AT
        )


# --- the sweep: no committee entry point knows a draft ----------------------------------------


def _draft_in_world(w: factories.World) -> models.Proposal:
    return factories.proposal(
        w.call, w.users["submitter"], title=DRAFT_TITLE, abstract=DRAFT_ABSTRACT, draft=True
    )


def _committee_get_urls(w: factories.World, code: str) -> list[tuple[str, str]]:
    from django.urls import get_resolver

    patterns = dict(_names(get_resolver()))
    out = []
    for name, rows in TABLE.items():
        if name == "admin:*" or "GET" not in rows:
            continue
        for role in ("chair", "reviewer"):
            if rows["GET"][role] != 200:
                continue
            pattern = patterns[name]
            params = set(getattr(pattern.pattern, "converters", {}))
            kwargs = access.url_kwargs(
                params, slug=w.call.slug, code=code, reviewer_pk=w.users["reviewer"].pk
            )
            out.append((role, reverse(name, kwargs=kwargs)))
    return out


def _body(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return bytes(raw).decode(errors="replace")


def test_no_chair_or_reviewer_page_shows_or_counts_a_draft() -> None:
    w = factories.world()
    draft = _draft_in_world(w)
    clients = {role: Client() for role in ("chair", "reviewer")}
    for role, client in clients.items():
        client.force_login(w.users[role])
    leaks = []
    crawled = 0
    for role, url in _committee_get_urls(w, w.proposal.code):
        body = _body(clients[role].get(url))
        crawled += 1
        for needle in (DRAFT_TITLE, DRAFT_ABSTRACT, draft.code):
            if needle in body:
                leaks.append(f"{role} {url}: {needle}")
    assert crawled > 20
    assert not leaks, "\n".join(leaks)


def test_a_drafts_code_opens_no_chair_or_reviewer_page_about_one_proposal() -> None:
    w = factories.world()
    draft = _draft_in_world(w)
    factories.assign(draft, w.users["reviewer"])  # even a stray assignment row opens nothing
    opened = []
    for role, url in _committee_get_urls(w, draft.code):
        if draft.code not in url:
            continue
        client = Client()
        client.force_login(w.users[role])
        if client.get(url).status_code == 200:
            opened.append(f"{role} {url}")
    assert not opened, "\n".join(opened)


def test_counts_exports_reports_and_assignment_inputs_leave_drafts_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    w = factories.world()
    draft = _draft_in_world(w)

    progress = dashboard.call_progress(call_id=w.call.pk, reviews_per_proposal=2)
    inputs = assignment_inputs.assignment_inputs(call_id=w.call.pk)
    call_command("export_proposals", "--call", w.call.slug, "--format", "json")
    exported = capsys.readouterr().out

    assert progress.proposals == 2
    assert progress.chart.total == 2
    assert str(draft.pk) not in {p.key for p in inputs.proposals}
    assert draft.code not in exported
    assert DRAFT_TITLE not in exported
    assert len(json.loads(exported)) == 2
