"""/me/self-id/: consent before anything is stored, seeing and changing answers, withdrawal that
erases the answers and unlinks the person from report snapshots, and a fixed query budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diversity import models, queries, services
from tests import factories
from tests.test_diversity_report import Person, build, cell, figures, seed_call

pytestmark = pytest.mark.django_db

URL = "/me/self-id/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _opt_in(**answers: str) -> dict[str, str]:
    data = {"consent": "on", "consent_version": str(models.CONSENT_VERSION), "action": "save"}
    data.update({f"q_{k}": v for k, v in answers.items()})
    return data


def test_the_page_lives_at_its_documented_address() -> None:
    assert reverse("diversity:self_id") == URL


def test_answers_without_the_consent_box_are_refused_and_nothing_is_stored() -> None:
    u = factories.user("sam")

    response = _client(u).post(
        URL, {"q_gender": "self_describe", "t_gender": "starlight cartographer", "action": "save"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "without your consent we store nothing" in body
    assert "starlight cartographer" in body, "the typed words are kept on screen"
    assert not models.Answer.objects.exists()
    assert not models.Consent.objects.exists()


def test_the_service_refuses_answers_without_consent() -> None:
    u = factories.user("sam")

    with pytest.raises(services.UnableToSaveAnswers):
        services.save_answers(
            user_id=u.pk,
            answers={"gender": services.AnswerData(value="woman")},
            consent_version=None,
            now=timezone.now(),
        )

    assert not models.Answer.objects.exists()


def test_opting_in_records_the_consent_version_and_time() -> None:
    u = factories.user("sam")
    before = timezone.now()

    response = _client(u).post(URL, _opt_in(gender="woman", underrepresented="yes"))

    assert response.status_code == 302
    consent = models.Consent.objects.get(user=u)
    assert consent.version == models.CONSENT_VERSION
    assert consent.given_at >= before
    assert consent.withdrawn_at is None
    assert dict(models.Answer.objects.filter(user=u).values_list("key", "value")) == {
        "gender": "woman",
        "underrepresented": "yes",
    }


def test_a_consent_box_ticked_for_an_older_wording_is_refused() -> None:
    u = factories.user("sam")
    data = _opt_in(gender="woman")
    data["consent_version"] = str(models.CONSENT_VERSION - 1)

    response = _client(u).post(URL, data)

    assert response.status_code == 400
    assert "consent text changed" in response.content.decode()
    assert not models.Answer.objects.exists()


def test_the_person_sees_their_answers_and_own_words_on_their_page() -> None:
    u = factories.user("sam")
    client = _client(u)
    client.post(URL, {**_opt_in(gender="self_describe"), "t_gender": "moth-hearted"})

    body = client.get(URL).content.decode()

    assert 'value="moth-hearted"' in body
    assert re.search(
        r'<input type="radio" name="q_gender" value="self_describe"[^>]* checked', body
    )
    assert "You agreed to version 1 of the consent text" in body


def test_a_person_with_consent_on_record_changes_answers_without_ticking_again() -> None:
    u = factories.user("sam")
    client = _client(u)
    client.post(URL, _opt_in(gender="woman"))

    response = client.post(URL, {"q_gender": "prefer_not_to_say", "action": "save"})

    assert response.status_code == 302
    assert models.Answer.objects.get(user=u, key="gender").value == "prefer_not_to_say"


def test_choosing_no_answer_deletes_the_stored_answer() -> None:
    u = factories.user("sam")
    client = _client(u)
    client.post(URL, _opt_in(gender="woman", underrepresented="no"))

    client.post(URL, {"q_gender": "", "q_underrepresented": "no", "action": "save"})

    assert list(models.Answer.objects.filter(user=u).values_list("key", flat=True)) == [
        "underrepresented"
    ]


def test_own_words_without_choosing_self_describe_are_refused_and_kept() -> None:
    u = factories.user("sam")

    response = _client(u).post(URL, {**_opt_in(gender="man"), "t_gender": "tidepool"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "to keep these words, or clear them" in body
    assert 'value="tidepool"' in body
    assert not models.Answer.objects.exists()


def test_an_answer_outside_the_offered_ones_is_refused_on_its_field() -> None:
    u = factories.user("sam")

    response = _client(u).post(URL, _opt_in(gender="robot"))

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not models.Answer.objects.exists()


def test_changing_only_ones_own_words_keeps_the_value_change_time() -> None:
    u = factories.user("sam")
    client = _client(u)
    client.post(URL, {**_opt_in(gender="self_describe"), "t_gender": "first words"})
    first = models.Answer.objects.get(user=u).value_changed_at

    client.post(URL, {"q_gender": "self_describe", "t_gender": "second words", "action": "save"})

    answer = models.Answer.objects.get(user=u)
    assert answer.text == "second words"
    assert answer.value_changed_at == first


def test_htmx_errors_come_back_as_the_form_fragment() -> None:
    u = factories.user("sam")

    response = _client(u).post(URL, {"q_gender": "woman"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="self-id"')
    assert "without your consent we store nothing" in body


def test_an_htmx_save_returns_the_form_fragment_with_the_saved_answers() -> None:
    u = factories.user("sam")

    response = _client(u).post(URL, _opt_in(gender="woman"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="self-id"')
    assert "Your answers are saved" in body
    assert re.search(r'value="woman"[^>]* checked', body)


def _hx_target_and_root(fragment: str) -> tuple[str, str]:
    target = re.search(r'hx-target="#([^"]+)"', fragment)
    root = re.match(r'\s*<div id="([^"]+)"', fragment)
    assert target
    assert root
    return target.group(1), root.group(1)


@pytest.mark.parametrize(
    ("before", "posted", "withdraw_shown"),
    [
        ("nothing", _opt_in(gender="woman"), True),  # the first save gives consent
        ("consented", _opt_in(gender="man"), True),
        ("consented", {"q_gender": "not-a-choice", "action": "save"}, True),  # an error
        ("withdrawn", {"q_gender": "woman", "action": "save"}, False),  # refused: no consent
        ("nothing", {"q_gender": "woman", "action": "save"}, False),
    ],
    ids=["first save", "second save", "invalid save", "after withdrawal", "refused"],
)
def test_after_an_htmx_save_the_withdraw_section_matches_a_fresh_page(
    before: str, posted: dict[str, str], withdraw_shown: bool
) -> None:
    """The swapped fragment replaces exactly itself and carries the withdraw section, so the page
    after the swap is the page a reload would show."""
    client = _client(factories.user("sam"))
    if before in ("consented", "withdrawn"):
        client.post(URL, _opt_in(gender="woman"))
    if before == "withdrawn":
        client.post(URL, {"action": "withdraw"})

    fragment = client.post(URL, posted, headers={"HX-Request": "true"}).content.decode()
    reloaded = client.get(URL).content.decode()

    target, root = _hx_target_and_root(fragment)
    assert target == root, "the form swaps the element the server sends back"
    assert ('id="withdraw-title"' in fragment) is withdraw_shown
    assert ('id="withdraw-title"' in reloaded) is withdraw_shown
    assert reloaded.count('id="withdraw-title"') <= 1


def test_reviewers_see_the_questions_of_the_calls_they_review_for() -> None:
    c = factories.call("pycon")
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    services.add_question(
        call_id=c.pk,
        label="Years in the community",
        options=["Under two", "Two or more"],
        self_describe=False,
        now=timezone.now(),
    )
    stranger = factories.user("stan")

    assert "Years in the community" in _client(reviewer).get(URL).content.decode()
    assert "Years in the community" not in _client(stranger).get(URL).content.decode()


# --- withdrawal ----------------------------------------------------------------------------


def test_withdrawal_deletes_every_answer_of_the_person() -> None:
    u = factories.user("sam")
    other = factories.user("otto")
    client = _client(u)
    client.post(URL, {**_opt_in(gender="self_describe", underrepresented="yes"), "t_gender": "x"})
    _client(other).post(URL, _opt_in(gender="man"))

    response = client.post(URL, {"action": "withdraw"})

    assert response.status_code == 302
    assert not models.Answer.objects.filter(user=u).exists()
    assert models.Answer.objects.filter(user=other).count() == 1
    assert models.Consent.objects.get(user=u).withdrawn_at is not None


def test_after_withdrawal_answering_again_needs_the_box_again() -> None:
    u = factories.user("sam")
    client = _client(u)
    client.post(URL, _opt_in(gender="woman"))
    client.post(URL, {"action": "withdraw"})

    response = client.post(URL, {"q_gender": "woman", "action": "save"})

    assert response.status_code == 400
    assert not models.Answer.objects.exists()


def _population() -> list[Person]:
    genders = ["woman"] * 30 + ["man"] * 40 + ["prefer_not_to_say"] * 10
    return [
        Person(gender=genders[(i * 7) % 80], decision="accepted" if i < 40 else "rejected")
        for i in range(80)
    ]


def test_withdrawal_marks_the_snapshots_that_counted_them_and_unlinks_them(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    s = seed_call(_population())
    build(s.call)
    person = s.users[0]
    key = queries.units_of_person(user_id=person.pk)[0].key
    basis = models.SnapshotBasis.objects.get(snapshot__call=s.call, snapshot__kind="speakers")
    assert key in basis.data["answered"]["gender"]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.withdraw_consent(user_id=person.pk, now=timezone.now())

    snapshot = models.ReportSnapshot.objects.get(call=s.call, kind="speakers")
    basis.refresh_from_db()
    assert snapshot.rebuild_requested_at is not None
    assert key not in basis.data["stage_sets"]
    assert all(key not in members for members in basis.data["answered"].values())
    assert len(queued) == 1, "one build is queued for the call"


def test_the_next_report_is_rebuilt_without_the_withdrawn_people(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    s = seed_call(_population())
    services.set_threshold(call_id=s.call.pk, k=5, now=timezone.now())
    build(s.call)
    before = figures(s.call)
    leaving = [u for u, p in zip(s.users, _population(), strict=True) if p.gender == "man"][:5]

    with django_capture_on_commit_callbacks(execute=True):
        for u in leaving:
            services.withdraw_consent(user_id=u.pk, now=timezone.now())

    snapshot = models.ReportSnapshot.objects.get(call=s.call, kind="speakers")
    after = figures(s.call)
    assert snapshot.rebuild_requested_at is None, "the queued builds ran"
    assert snapshot.held is False, "five withdrawals reach k = 5: new figures"
    gender_total = next(d for d in after["dimensions"] if d["slug"] == "gender")["totals"]
    old_total = next(d for d in before["dimensions"] if d["slug"] == "gender")["totals"]
    assert gender_total["submitted"] == old_total["submitted"] - 5
    # All five leavers were men: "men - 5" beside "total - 5" would tell the chair each
    # leaver's answer, so the release audit (issue 16) hides that cell instead of showing it.
    assert cell(before, "gender", "man", "submitted")["count"] is not None
    assert cell(after, "gender", "man", "submitted")["count"] is None
    basis = models.SnapshotBasis.objects.get(snapshot=snapshot)
    keys = {queries.units_of_person(user_id=u.pk)[0].key for u in leaving}
    assert not keys & set(basis.data["stage_sets"])


def test_fewer_than_k_withdrawals_keep_the_figures_held(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    s = seed_call(_population())
    services.set_threshold(call_id=s.call.pk, k=5, now=timezone.now())
    build(s.call)
    before = figures(s.call)

    with django_capture_on_commit_callbacks(execute=True):
        for u in s.users[:4]:
            services.withdraw_consent(user_id=u.pk, now=timezone.now())

    after = figures(s.call)
    assert after["held"] is True

    def tables(data: dict[str, Any]) -> list[Any]:
        return [(d["rows"], d["totals"]) for d in data["dimensions"] if d["protected"]]

    assert tables(after) == tables(before)


def test_one_withdrawal_keeps_the_figures_held_but_stores_nothing_tying_them_to_an_answer(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    s = seed_call(_population())
    build(s.call)
    person = s.users[0]
    key = queries.units_of_person(user_id=person.pk)[0].key

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_consent(user_id=person.pk, now=timezone.now())

    snapshot = models.ReportSnapshot.objects.get(call=s.call, kind="speakers")
    basis = models.SnapshotBasis.objects.get(snapshot=snapshot)
    assert snapshot.held is True
    assert key not in basis.data["stage_sets"]
    assert all(key not in members for members in basis.data["answered"].values())
    assert not models.Answer.objects.filter(user=person).exists()


# --- query budget --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_the_page_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    c = factories.call("pycon")
    u = factories.user("sam")
    factories.proposal(c, u)
    keys = [
        queries.question_key(
            services.add_question(
                call_id=c.pk,
                label=f"Question {i}",
                options=["Red", "Blue"],
                self_describe=True,
                now=timezone.now(),
            )
        )
        for i in range(rows)
    ]
    services.save_answers(
        user_id=u.pk,
        answers={key: services.AnswerData(value="red") for key in keys},
        consent_version=models.CONSENT_VERSION,
        now=timezone.now(),
    )
    client = _client(u)
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, consent, questions, answers; the full page adds the navigation.
    with assert_queries(5 if htmx else 6):
        response = client.get(URL, headers=headers)

    assert response.status_code == 200
    assert response.content.decode().count("<fieldset") == 2 + rows
