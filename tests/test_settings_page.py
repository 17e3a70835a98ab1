"""/me/settings/: one page per person, a list of sections each saved on its own.

Everyone has the e-mail section; a reviewer has one "Reviewing for <call>" section per call,
stored in the same ReviewerSettings row the invitation writes and assignment reads. Bad input
comes back with a message and the typed values, nothing written; the page runs a fixed number
of queries whatever the number of calls; a new section joins by registering a provider.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp.forms import settings as settings_forms
from cfp.queries import personal_settings
from cfp.services.settings import UnableToSaveSettings
from reviews import models as review_models
from reviews.services import assignment
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/me/settings/"
HX = {"HX-Request": "true"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reviewer_of(n_calls: int) -> tuple[Any, list[cfp_models.Call]]:
    rita = factories.user("rita")
    calls = [factories.call(f"conf{i}") for i in range(n_calls)]
    for c in calls:
        factories.member(c, rita, "reviewer")
    return rita, calls


def section_ids(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)" class="card stack"', html)


def review_data(c: cfp_models.Call, **changes: Any) -> dict[str, Any]:
    key = f"review-{c.slug}"
    data: dict[str, Any] = {
        "section": key,
        f"{key}-languages": ["en"],
        f"{key}-tracks": ["web"],
        f"{key}-max_load": "7",
    }
    data.update({f"{key}-{k}": v for k, v in changes.items()})
    return data


def test_the_page_lives_at_its_documented_address() -> None:
    assert reverse("settings") == URL


def test_a_speaker_has_the_mail_section_and_no_reviewing_section() -> None:
    html = signed_in(factories.user("sam")).get(URL).content.decode()

    assert section_ids(html) == ["language", "mail"]


def test_a_reviewer_has_one_reviewing_section_per_call_before_mail() -> None:
    rita, calls = reviewer_of(3)
    archived = factories.call("old")
    factories.member(archived, rita, "reviewer")
    cfp_models.Call.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    chaired = factories.call("chaired")
    factories.member(chaired, rita, "chair")

    html = signed_in(rita).get(URL).content.decode()

    assert section_ids(html) == [
        "language",
        *(f"review-{c.slug}" for c in calls),
        *(f"expertise-{c.slug}" for c in calls),
        *(f"digest-{c.slug}" for c in calls),
        "mail",
    ]
    assert "Reviewing for Conf0 2027" in html


def test_the_header_links_to_the_settings_page() -> None:
    html = signed_in(factories.user("sam")).get(reverse("home")).content.decode()

    assert f'href="{URL}"' in html


# --- the query budget ---------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_the_page_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    rita, _calls = reviewer_of(rows)
    client = signed_in(rita)

    # session, user, nav roles; reviewing: memberships+calls, settings, tracks; expertise;
    # the settings row (language and mail); the discussion digest (issue 21).
    with assert_queries(9):
        response = client.get(URL)

    assert len(section_ids(response.content.decode())) == 3 * rows + 2


@pytest.mark.parametrize("rows", [1, 3])
def test_an_htmx_save_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    rita, calls = reviewer_of(rows)
    client = signed_in(rita)

    # session, user; the sections (6); the save (call, membership, tracks, row, insert); the
    # sections again (6). No navigation in a fragment.
    with assert_queries(19):
        response = client.post(URL, review_data(calls[0]), headers=HX)

    assert response.status_code == 200
    assert section_ids(response.content.decode()) == [f"review-{calls[0].slug}"]


# --- saving ---------------------------------------------------------------------------------


def test_saving_the_mail_section_stores_it_and_returns_to_it() -> None:
    sam = factories.user("sam")

    response = signed_in(sam).post(URL, {"section": "mail", "mail-reviewer_reminders": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"{URL}#mail"
    prefs = personal_settings.mail_preferences(user_id=sam.pk)
    assert (prefs.decision_mail, prefs.reviewer_reminders) == (False, True)


def test_an_htmx_save_returns_only_that_section_marked_saved() -> None:
    sam = factories.user("sam")

    response = signed_in(sam).post(URL, {"section": "mail"}, headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="mail"')
    assert "Saved." in html
    assert 'hx-target="#mail"' in html
    assert 'id="id_mail-decision_mail"' in html
    assert " checked" not in html


def test_saving_reviewing_preferences_writes_the_row_assignment_reads() -> None:
    rita, calls = reviewer_of(2)
    review_models.ReviewerSettings.objects.create(
        call=calls[1], user=rita, languages=["es"], max_load=3
    )

    response = signed_in(rita).post(URL, review_data(calls[0], languages=["en", "es"]))

    assert response.status_code == 302
    first = review_models.ReviewerSettings.objects.get(call=calls[0], user=rita)
    second = review_models.ReviewerSettings.objects.get(call=calls[1], user=rita)
    assert (first.languages, first.tracks, first.max_load) == (["en", "es"], ["web"], 7)
    assert (second.languages, second.max_load) == (["es"], 3), "another section is untouched"


def test_the_saved_values_show_when_the_page_opens_again() -> None:
    rita, calls = reviewer_of(1)
    client = signed_in(rita)
    client.post(URL, review_data(calls[0], **{"max_load": "12", "tracks": ["data"]}))

    html = client.get(URL).content.decode()

    key = f"review-{calls[0].slug}"
    assert re.search(rf'name="{key}-max_load" value="12"', html)
    assert re.search(rf'value="data"[^>]*id="id_{key}-tracks_\d"[^>]* checked', html)


BAD_REVIEWING_INPUT: list[dict[str, Any]] = [
    {"max_load": "many"},
    {"max_load": "0"},
    {"max_load": "-3"},
    {"max_load": "501"},
    {"max_load": "1e9"},
    {"languages": []},
    {"languages": ["xx"]},
    {"languages": ["en", "fr"]},
    {"tracks": ["not-a-track"]},
    {"max_load": "7\x00"},
]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("changes", BAD_REVIEWING_INPUT, ids=repr)
def test_bad_reviewing_input_is_refused_with_a_message_and_nothing_is_written(
    changes: dict[str, Any], htmx: bool
) -> None:
    rita, calls = reviewer_of(1)

    response = signed_in(rita).post(
        URL, review_data(calls[0], **changes), headers=HX if htmx else {}
    )

    html = response.content.decode()
    assert response.status_code == (200 if htmx else 400)
    assert 'class="error"' in html or "flash-error" in html
    assert not review_models.ReviewerSettings.objects.exists()
    typed = changes.get("max_load")
    if typed and "\x00" not in typed:
        assert f'value="{typed}"' in html, "the typed value stays on screen"


@pytest.mark.parametrize(
    "data",
    [{}, {"section": "review-unknown"}, {"section": "nope", "mail-decision_mail": "on"}],
    ids=["no section", "not a call of theirs", "unknown section"],
)
def test_a_section_that_is_not_the_persons_saves_nothing(data: dict[str, str]) -> None:
    sam = factories.user("sam")

    response = signed_in(sam).post(URL, data)

    assert response.status_code == 400
    assert "nothing was saved" in response.content.decode()
    assert not cfp_models.PersonSettings.objects.exists()
    assert not review_models.ReviewerSettings.objects.exists()


def test_a_reviewer_removed_from_a_call_cannot_save_its_section() -> None:
    rita, calls = reviewer_of(1)
    client = signed_in(rita)
    client.get(URL)
    cfp_models.Call.objects.filter(pk=calls[0].pk).update(archived_at=timezone.now())

    response = client.post(URL, review_data(calls[0]))

    assert response.status_code == 400
    assert not review_models.ReviewerSettings.objects.exists()


def test_the_service_refuses_a_person_who_does_not_review_for_the_call() -> None:
    from reviews.services import personal_settings as review_settings

    c = factories.call("pycon")
    sam = factories.user("sam")

    with pytest.raises(UnableToSaveSettings):
        review_settings.save_reviewing_preferences(
            call_id=c.pk,
            user_id=sam.pk,
            languages=["en"],
            tracks=[],
            max_load=None,
            now=timezone.now(),
        )


# --- what reads the settings ------------------------------------------------------------------


@pytest.mark.parametrize("max_load", [1, 2])
def test_assignment_never_gives_more_than_the_maximum_saved_on_the_page(max_load: int) -> None:
    c = factories.call("pycon")
    # Addresses at different organisations: a shared domain would count as a conflict.
    reviewers = [factories.user(f"r{i}", email=f"r{i}@rev{i}.test") for i in range(3)]
    for r in reviewers:
        factories.member(c, r, "reviewer")
    for i in range(6):
        speaker = factories.user(f"s{i}", email=f"s{i}@speaker{i}.test")
        factories.proposal(c, speaker, title=f"Talk {i}", token=f"t{i}")
    signed_in(reviewers[0]).post(URL, review_data(c, max_load=str(max_load), tracks=[]))

    assignment.assign_reviewers(call_id=c.pk, per_proposal=1, actor_id=None, now=timezone.now())

    loads = {r.pk: review_models.Assignment.objects.filter(reviewer=r).count() for r in reviewers}
    assert loads[reviewers[0].pk] <= max_load
    assert sum(loads.values()) == 6


def test_mail_opt_outs_name_exactly_the_people_who_turned_a_mail_off() -> None:
    people = [factories.user(f"p{i}") for i in range(4)]
    for person, (decision, reminders) in zip(
        people[:3], [(False, True), (True, False), (False, False)], strict=True
    ):
        signed_in(person).post(
            URL,
            {"section": "mail"}
            | ({"mail-decision_mail": "on"} if decision else {})
            | ({"mail-reviewer_reminders": "on"} if reminders else {}),
        )
    ids = [p.pk for p in people]

    assert personal_settings.mail_opt_outs(user_ids=ids, mail=personal_settings.Mail.DECISION) == {
        people[0].pk,
        people[2].pk,
    }
    assert personal_settings.mail_opt_outs(
        user_ids=ids, mail=personal_settings.Mail.REVIEWER_REMINDERS
    ) == {people[1].pk, people[2].pk}


# --- adding a section ---------------------------------------------------------------------


class ExpertiseForm(forms.Form):
    topics = forms.CharField(label="Topics you know well", max_length=50)


@pytest.fixture
def extra_section() -> Iterator[list[tuple[int, str]]]:
    saved: list[tuple[int, str]] = []

    def save(*, cleaned_data: Mapping[str, Any], user_id: int, now: dt.datetime) -> None:
        if cleaned_data["topics"] == "refuse":
            raise UnableToSaveSettings("Refused by the section's service.")
        saved.append((user_id, cleaned_data["topics"]))

    def provider(user_id: int) -> Sequence[settings_forms.Section]:
        return (
            settings_forms.Section(
                key="expertise", title="Expertise", form_class=ExpertiseForm, save=save, order=30
            ),
        )

    settings_forms.register(provider)
    try:
        yield saved
    finally:
        settings_forms._PROVIDERS.remove(provider)


def test_a_registered_section_appears_in_order_and_saves_through_its_own_service(
    extra_section: list[tuple[int, str]],
) -> None:
    rita, calls = reviewer_of(1)
    client = signed_in(rita)

    html = client.get(URL).content.decode()
    client.post(URL, {"section": "expertise", "expertise-topics": "ORMs"})
    refused = client.post(URL, {"section": "expertise", "expertise-topics": "refuse"})

    assert section_ids(html) == [
        "language",
        f"review-{calls[0].slug}",
        f"expertise-{calls[0].slug}",
        f"digest-{calls[0].slug}",
        "expertise",
        "mail",
    ]
    assert extra_section == [(rita.pk, "ORMs")]
    assert refused.status_code == 400
    assert "Refused by the section&#x27;s service." in refused.content.decode()


# --- the mails honour the choices ---------------------------------------------------------


def test_a_speaker_who_turned_decision_mail_off_gets_none_but_the_decision_is_published(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    from tests import curation_world
    from tests.test_curation_emails import decided, send

    w = curation_world.curation(3, revealed=True)
    owners = [cfp_models.Proposal.objects.get(pk=p.pk).owner for p in w.proposals]
    signed_in(owners[1]).post(URL, {"section": "mail", "mail-reviewer_reminders": "on"})
    decided(w, "accepted", "rejected", "accepted")

    send(w, django_capture_on_commit_callbacks)

    sent_to = sorted(m.to[0] for m in mailoutbox)
    assert len(sent_to) == 2
    assert all("speaker1@" not in address for address in sent_to)
    p1 = cfp_models.Proposal.objects.get(pk=w.proposals[1].pk)
    assert (p1.published_decision, p1.decision_sent_at is not None) == ("rejected", True)


def test_a_reviewer_who_turned_reminders_off_is_not_reminded() -> None:
    from reviews.services import reminders

    c = factories.call("pycon")
    rita = factories.user("rita")
    factories.member(c, rita, "reviewer")
    factories.assign(factories.proposal(c, factories.user("sam")), rita)
    signed_in(rita).post(URL, {"section": "mail", "mail-decision_mail": "on"})

    with pytest.raises(reminders.UnableToRemind, match="turned reminders off"):
        reminders.request_reminder(
            call_id=c.pk, reviewer_id=rita.pk, queue_url="http://x/", now=timezone.now()
        )
    assert (
        reminders.send_reminder(
            call_id=c.pk, reviewer_id=rita.pk, queue_url="http://x/", now=timezone.now()
        )
        is False
    )


def test_a_reviewer_who_never_chose_sees_every_language_ticked_as_assignment_counts_them() -> None:
    rita, calls = reviewer_of(1)

    html = signed_in(rita).get(URL).content.decode()

    key = f"review-{calls[0].slug}"
    for code in calls[0].languages:
        assert re.search(rf'value="{code}"[^>]*id="id_{key}-languages_\d"[^>]* checked', html)


def test_a_reviewer_turns_the_discussion_digest_off_for_one_call() -> None:
    rita, calls = reviewer_of(2)

    response = signed_in(rita).post(URL, {"section": f"digest-{calls[0].slug}"})

    assert response.status_code == 302
    first = review_models.ReviewerSettings.objects.get(call=calls[0], user=rita)
    assert first.discussion_digest is False
    assert not review_models.ReviewerSettings.objects.filter(call=calls[1]).exists()
    html = signed_in(rita).get(URL).content.decode()
    boxes = {
        m.group(1): "checked" in m.group(0)
        for m in re.finditer(
            r'<input type="checkbox" name="digest-(\w+)-discussion_digest"[^>]*>', html
        )
    }
    assert boxes == {calls[0].slug: False, calls[1].slug: True}
