"""A chair reopens one proposal after the deadline and rules findings "not a leak"; the speaker
reads the published decision and feedback on their proposal page."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models, services
from cfp.domain import leaks
from tests import factories

pytestmark = pytest.mark.django_db

CLOSES_AT = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
SPEAKER_NAME = "Samira Quell"


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = CLOSES_AT + dt.timedelta(hours=1)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: dt.datetime) -> None:
        self.now = when


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def call(clock: Clock) -> models.Call:
    return factories.call("pycon", opens_at=CLOSES_AT - dt.timedelta(days=30), closes_at=CLOSES_AT)


@pytest.fixture
def sam() -> Any:
    return factories.user("sam", first_name=SPEAKER_NAME)


@pytest.fixture
def proposal(call: models.Call, sam: Any, clock: Clock) -> models.Proposal:
    before = clock.now
    clock.set(CLOSES_AT - dt.timedelta(days=1))
    p = factories.proposal(
        call, sam, title="Caching", abstract=f"Notes by {SPEAKER_NAME} on the Quell cache."
    )
    clock.set(before)
    return p


@pytest.fixture
def chair(call: models.Call) -> Any:
    u = factories.user("chad")
    factories.member(call, u, "chair")
    return u


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return html.unescape(str(response.content.decode()))


def reopen_url(p: models.Proposal) -> str:
    return reverse("callsettings:reopen", args=[p.call.slug, p.code])


def findings_url(p: models.Proposal) -> str:
    return reverse("callsettings:findings", args=[p.call.slug, p.code])


def detail_url(p: models.Proposal) -> str:
    return reverse("cfp:mine_detail", args=[p.call.slug, p.code])


def edit_data(**changes: str) -> dict[str, str]:
    data = {
        "title": "Caching",
        "abstract": "Fixed after the deadline.",
        "format": "talk",
        "track": "web",
        "level": "intermediate",
        "language": "en",
    }
    data.update(changes)
    return data


# --- reopening --------------------------------------------------------------------------------


def test_a_chair_reopens_one_proposal_until_a_given_time(
    proposal: models.Proposal, chair: Any
) -> None:
    response = signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.reopened_until == dt.datetime(2027, 3, 3, 18, 0, tzinfo=dt.UTC)


def test_reopening_is_logged_with_who_and_until_when(
    proposal: models.Proposal, chair: Any, clock: Clock
) -> None:
    signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    event = models.AuditEvent.objects.get(proposal=proposal, action="proposal.reopened")
    assert (event.actor_id, event.created_at) == (chair.pk, clock.now)
    assert event.data == {"until": "2027-03-03T18:00:00+00:00", "previous": None}


def test_the_reopen_time_is_read_in_the_call_time_zone(
    proposal: models.Proposal, chair: Any
) -> None:
    models.Call.objects.filter(pk=proposal.call_id).update(timezone="Asia/Tokyo")

    signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    proposal.refresh_from_db()
    assert proposal.reopened_until == dt.datetime(2027, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2027-03-01T12:30", "Pick a time in the future."),
        ("2027-02-28T12:00", "Pick a time in the future."),
        ("", "This field is required."),
        ("tomorrow", "Enter a valid date/time."),
    ],
)
def test_a_bad_reopen_time_is_an_error_on_the_field(
    proposal: models.Proposal, chair: Any, until: str, message: str
) -> None:
    response = signed_in(chair).post(reopen_url(proposal), {"until": until})

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["until"] == [message]
    assert proposal.reopened_until is None


def test_a_reopen_time_before_the_close_is_refused(
    proposal: models.Proposal, chair: Any, clock: Clock
) -> None:
    clock.set(CLOSES_AT - dt.timedelta(days=2))

    response = signed_in(chair).post(reopen_url(proposal), {"until": "2027-02-28T18:00"})

    assert "The call is open until 2027-03-01 12:00 UTC anyway" in text(response)


def test_after_reopening_the_speaker_can_save_again(
    proposal: models.Proposal, chair: Any, sam: Any
) -> None:
    signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    response = signed_in(sam).post(detail_url(proposal), edit_data())

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.abstract == "Fixed after the deadline."


def test_the_speaker_page_says_until_when_the_proposal_is_reopened(
    proposal: models.Proposal, chair: Any, sam: Any
) -> None:
    signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    page = text(signed_in(sam).get(detail_url(proposal)))

    assert "The chairs reopened this proposal: you can save changes until 3 March 2027" in page


@pytest.mark.parametrize(("offset", "saved"), [(-1, True), (0, False)])
def test_the_reopening_ends_to_the_second(
    proposal: models.Proposal, chair: Any, sam: Any, clock: Clock, offset: int, saved: bool
) -> None:
    until = dt.datetime(2027, 3, 3, 18, 0, tzinfo=dt.UTC)
    signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})
    clock.set(until + dt.timedelta(seconds=offset))

    response = signed_in(sam).post(detail_url(proposal), edit_data())

    proposal.refresh_from_db()
    assert (proposal.abstract == "Fixed after the deadline.") is saved
    assert response.status_code == (302 if saved else 400)


def test_reopening_one_proposal_leaves_the_others_closed(
    proposal: models.Proposal, chair: Any, call: models.Call, clock: Clock
) -> None:
    otto = factories.user("otto")
    clock.set(CLOSES_AT - dt.timedelta(days=1))
    other = factories.proposal(call, otto, title="Other")
    clock.set(CLOSES_AT + dt.timedelta(hours=1))
    signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    response = signed_in(otto).post(detail_url(other), edit_data(title="Other"))

    assert response.status_code == 400


def test_a_withdrawn_proposal_cannot_be_reopened(proposal: models.Proposal, chair: Any) -> None:
    models.Proposal.objects.filter(pk=proposal.pk).update(state="withdrawn")

    response = signed_in(chair).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    assert response.context["form"].errors["until"] == ["A withdrawn proposal cannot be reopened."]


def test_the_reopen_page_shows_a_blind_chair_the_redacted_title(
    proposal: models.Proposal, chair: Any
) -> None:
    proposal.title = f"Caching with {SPEAKER_NAME}"
    proposal.save()
    services.rescan_proposal(proposal=proposal)

    page = text(signed_in(chair).get(reopen_url(proposal)))

    assert "“Caching with [name]”" in page
    assert SPEAKER_NAME not in page


def test_another_calls_chair_cannot_reopen(proposal: models.Proposal) -> None:
    other = factories.call("djangocon")
    olga = factories.user("olga")
    factories.member(other, olga, "chair")

    response = signed_in(olga).post(reopen_url(proposal), {"until": "2027-03-03T18:00"})

    proposal.refresh_from_db()
    assert response.status_code == 404
    assert proposal.reopened_until is None


# --- false positives ------------------------------------------------------------------------


def _finding(p: models.Proposal, text_: str) -> dict[str, Any]:
    return next(f for f in p.findings if f["text"] == text_)


def test_marking_a_false_positive_un_redacts_that_span_and_records_who_and_when(
    proposal: models.Proposal, chair: Any, clock: Clock
) -> None:
    f = _finding(proposal, "Quell")

    services.mark_false_positive(
        call_slug="pycon",
        code=proposal.code,
        field="abstract",
        start=f["start"],
        end=f["end"],
        actor_id=chair.pk,
        now=clock.now,
    )

    proposal.refresh_from_db()
    fp = models.FalsePositive.objects.get(proposal=proposal)
    assert (fp.text, fp.marked_by_id, fp.marked_at) == ("Quell", chair.pk, clock.now)
    assert proposal.redacted["abstract"] == "Notes by [name] on the Quell cache."
    assert _finding(proposal, "Quell")["ignored"] is True
    assert models.AuditEvent.objects.filter(action="finding.false_positive").count() == 1


def test_marking_the_same_finding_twice_changes_nothing(
    proposal: models.Proposal, chair: Any, clock: Clock
) -> None:
    f = _finding(proposal, "Quell")
    kwargs = {
        "call_slug": "pycon",
        "code": proposal.code,
        "field": "abstract",
        "start": f["start"],
        "end": f["end"],
        "actor_id": chair.pk,
        "now": clock.now,
    }

    services.mark_false_positive(**kwargs)
    services.mark_false_positive(**kwargs)

    assert models.FalsePositive.objects.count() == 1


def test_a_span_that_is_not_a_finding_cannot_be_marked(
    proposal: models.Proposal, chair: Any, clock: Clock
) -> None:
    with pytest.raises(services.UnableToMark, match="no longer in the text"):
        services.mark_false_positive(
            call_slug="pycon",
            code=proposal.code,
            field="abstract",
            start=0,
            end=5,
            actor_id=chair.pk,
            now=clock.now,
        )


def test_when_the_speaker_moves_the_words_the_finding_comes_back(
    proposal: models.Proposal, chair: Any, clock: Clock
) -> None:
    f = _finding(proposal, "Quell")
    services.mark_false_positive(
        call_slug="pycon",
        code=proposal.code,
        field="abstract",
        start=f["start"],
        end=f["end"],
        actor_id=chair.pk,
        now=clock.now,
    )
    proposal.abstract = "Moved: the Quell cache, by " + SPEAKER_NAME
    proposal.save()

    services.rescan_proposal(proposal=proposal)

    assert "Quell cache" not in proposal.redacted["abstract"]


def test_the_findings_page_lists_each_finding_with_its_context_once_chairs_know_identities(
    proposal: models.Proposal, chair: Any
) -> None:
    models.Call.objects.filter(pk=proposal.call_id).update(chairs_blind=False)

    page = text(signed_in(chair).get(findings_url(proposal)))

    assert "on the <mark>Quell</mark> cache" in page
    assert "Not a leak" in page


def test_a_blind_chair_sees_where_each_finding_is_but_not_the_flagged_words(
    proposal: models.Proposal, chair: Any
) -> None:
    # This page used to show a blind chair the raw words and their context (the bug the
    # visibility policy fixed): the finding text is hidden until identities are revealed.
    f = _finding(proposal, "Quell")

    page = text(signed_in(chair).get(findings_url(proposal)))

    assert "Quell" not in page
    assert SPEAKER_NAME not in page
    assert "Samira" not in page
    assert f"{f['start']} to {f['end']}" in page
    assert "Not a leak" in page
    assert "they appear here once identities are revealed" in page


def test_a_blind_chair_can_still_mark_a_finding_by_its_place(
    proposal: models.Proposal, chair: Any
) -> None:
    f = _finding(proposal, "Quell")

    response = signed_in(chair).post(
        findings_url(proposal),
        {"field": "abstract", "start": f["start"], "end": f["end"]},
        headers={"HX-Request": "true"},
    )

    section = text(response)
    assert models.FalsePositive.objects.filter(proposal=proposal).exists()
    assert "A finding in abstract: not a leak, said Chad" in section
    assert "Quell" not in section


def test_marking_through_the_page_without_javascript_redirects_back(
    proposal: models.Proposal, chair: Any
) -> None:
    f = _finding(proposal, "Quell")

    response = signed_in(chair).post(
        findings_url(proposal), {"field": "abstract", "start": f["start"], "end": f["end"]}
    )

    assert response.status_code == 302
    assert response["Location"] == findings_url(proposal)
    assert models.FalsePositive.objects.filter(proposal=proposal).exists()


def test_marking_through_the_page_goes_back_to_a_local_next_address_only(
    proposal: models.Proposal, chair: Any
) -> None:
    f = _finding(proposal, "Quell")
    client = signed_in(chair)
    data = {"field": "abstract", "start": f["start"], "end": f["end"]}

    local = client.post(findings_url(proposal), {**data, "next": "/chair/pycon/"})

    assert local["Location"] == "/chair/pycon/"


def test_marking_with_htmx_returns_the_findings_section_with_the_ruling(
    proposal: models.Proposal, chair: Any
) -> None:
    f = _finding(proposal, "Quell")

    response = signed_in(chair).post(
        findings_url(proposal),
        {"field": "abstract", "start": f["start"], "end": f["end"]},
        headers={"HX-Request": "true"},
    )

    section = text(response)
    assert section.lstrip().startswith('<section id="findings"')
    assert "not a leak, said Chad" in section


def test_a_stale_finding_posted_to_the_page_gives_a_clear_message(
    proposal: models.Proposal, chair: Any
) -> None:
    response = signed_in(chair).post(
        findings_url(proposal), {"field": "abstract", "start": 0, "end": 3}
    )

    assert response.status_code == 400
    assert "This finding is no longer in the text" in text(response)


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize(("blind", "budget"), [(False, 9), (True, 8)])
def test_the_findings_page_runs_a_fixed_number_of_queries(
    call: models.Call,
    sam: Any,
    chair: Any,
    clock: Clock,
    assert_queries: Callable[[int], Any],
    rows: int,
    blind: bool,
    budget: int,
) -> None:
    models.Call.objects.filter(pk=call.pk).update(chairs_blind=blind)
    clock.set(CLOSES_AT - dt.timedelta(days=1))
    names = " ".join(["Samira Quell said so."] * rows)
    p = factories.proposal(call, sam, abstract=names)
    for n, f in enumerate(p.findings):
        models.FalsePositive.objects.create(
            proposal=p,
            field="abstract",
            start=f["start"] + 1000 + n,
            end=f["end"] + 1000 + n,
            text="x",
            marked_by=chair,
            marked_at=clock.now,
        )
    client = signed_in(chair)
    url = findings_url(p)

    # session, user, chair check, proposal (+rulings, +their authors), questions, answers, nav;
    # a blind chair sees no context, so the answers are not read.
    with assert_queries(budget):
        response = client.get(url)

    assert len(response.context["data"].findings) == rows
    assert len(response.context["data"].rulings) == rows


# --- the speaker reads the decision ---------------------------------------------------------


def test_the_decision_and_feedback_show_once_sent(proposal: models.Proposal, sam: Any) -> None:
    models.Proposal.objects.filter(pk=proposal.pk).update(
        published_decision="accepted",
        published_feedback=["Great outline.\nMore demos, please.", "<b>Loved</b> it"],
        decision_sent_at=CLOSES_AT + dt.timedelta(days=30),
    )

    page = signed_in(sam).get(detail_url(proposal)).content.decode()

    assert "Accepted: congratulations, your talk is in the programme." in page
    assert "Great outline.<br>\nMore demos, please." in page
    assert "&lt;b&gt;Loved&lt;/b&gt; it" in page
    assert "<b>Loved</b>" not in page


def test_a_decision_not_yet_sent_is_not_shown(proposal: models.Proposal, sam: Any) -> None:
    models.Proposal.objects.filter(pk=proposal.pk).update(published_decision="rejected")

    page = signed_in(sam).get(detail_url(proposal)).content.decode()

    assert "The committee" not in page
    assert "Not accepted this time" not in page


def test_the_decision_is_listed_under_my_proposals(proposal: models.Proposal, sam: Any) -> None:
    models.Proposal.objects.filter(pk=proposal.pk).update(
        published_decision="waitlisted", decision_sent_at=CLOSES_AT + dt.timedelta(days=30)
    )

    response = signed_in(sam).get(reverse("cfp:mine", args=["pycon"]))

    assert response.context["proposals"][0].decision == "waitlisted"


# --- the explanations speakers read ----------------------------------------------------------


@pytest.mark.parametrize("kind", list(leaks.FindingKind))
def test_every_finding_kind_has_an_explanation_that_says_how_to_fix_it(
    kind: leaks.FindingKind,
) -> None:
    explanation = leaks.explain(kind)

    assert explanation.endswith((".", "”."))
    assert ":" in explanation  # why it matters: what to do instead
    assert len(explanation) < 250


def test_the_findings_box_shows_the_kind_in_plain_words(
    proposal: models.Proposal, sam: Any, clock: Clock
) -> None:
    clock.set(CLOSES_AT - dt.timedelta(days=1))
    page = text(signed_in(sam).get(detail_url(proposal)))

    assert '<span class="finding-kind">name</span> “Samira Quell” in abstract' in page
    assert "refer to yourself as “the speaker” or “I” instead." in page
