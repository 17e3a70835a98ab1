"""The chair's diversity report: built by its task into snapshots of published figures, with
small-cell protection for self-identification, gaps in plain words, targets, the threshold,
proposals near the cut for programme attributes only, and fixed query counts."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from diversity import models, queries, services
from diversity.domain import funnel
from diversity.services import reports as report_services
from reviews import models as review_models
from tests import factories

pytestmark = pytest.mark.django_db

SELF_ID = ("gender", "underrepresented")
# Self-identification, and "mentored" (issue 25): a speaker attribute under the same release rule.
PROTECTED = (*SELF_ID, "mentored")


@dataclass
class Person:
    gender: str = ""
    underrepresented: str = ""
    words: str = ""
    first_time: bool | None = None
    decision: str = review_models.DecisionStatus.UNDECIDED
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Seeded:
    call: cfp_models.Call
    chair: Any
    users: list[Any]
    codes: list[str]


def seed_call(
    people: Sequence[Person],
    *,
    slug: str = "pycon",
    slots: int | None = None,
    questions: Sequence[tuple[str, Sequence[str]]] = (),
    blind: bool = False,
) -> Seeded:
    """A call whose i-th person speaks on the i-th proposal, ranked i + 1 by calibrated score."""
    now = timezone.now()
    c = factories.call(slug, slots=slots if slots is not None else max(1, len(people) // 4))
    cfp_models.Call.objects.filter(pk=c.pk).update(chairs_blind=blind)
    c.refresh_from_db()
    chair = factories.user(f"{slug}-chair")
    factories.member(c, chair, "chair")
    extra_keys = [
        queries.question_key(
            services.add_question(
                call_id=c.pk, label=label, options=options, self_describe=False, now=now
            )
        )
        for label, options in questions
    ]
    fmt = cfp_models.Format.objects.get(call=c)
    track = cfp_models.Track.objects.get(call=c, slug="web")
    run = review_models.AggregationRun.objects.create(
        call=c, state=review_models.RunState.DONE, requested_at=now, finished_at=now
    )
    total_slots = fmt.slots
    # Bulk inserts: the services that write answers are tested one by one elsewhere.
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"{slug}-speaker{i}", email=f"{slug}{i}@example.org")
            for i in range(len(people))
        ]
    )
    if users and users[0].pk is None:  # pragma: no cover - SQLite < 3.35
        users = list(get_user_model().objects.filter(username__startswith=f"{slug}-speaker"))
    speakers = cfp_models.Speaker.objects.bulk_create(
        [
            cfp_models.Speaker(
                user=u,
                name=f"Speaker {i}",
                email=f"s{i}@example.org",
                spoken_before=None if person.first_time is None else not person.first_time,
            )
            for i, (u, person) in enumerate(zip(users, people, strict=True))
        ]
    )
    codes = [f"{slug[:3].upper()}{i:05d}" for i in range(len(people))]
    proposals = cfp_models.Proposal.objects.bulk_create(
        [
            cfp_models.Proposal(
                call=c,
                code=code,
                title=f"Talk {i}",
                abstract="An abstract.",
                format=fmt,
                track=track,
                redacted={"title": f"Talk {i}"},
                submitted_at=now,
                updated_at=now,
            )
            for i, code in enumerate(codes)
        ]
    )
    cfp_models.ProposalSpeaker.objects.bulk_create(
        [
            cfp_models.ProposalSpeaker(proposal=p, speaker=sp, confirmed_at=now)
            for p, sp in zip(proposals, speakers, strict=True)
        ]
    )

    def chance(rank: int) -> float:
        if abs(rank - total_slots) <= 1:
            return 0.5
        return 0.95 if rank < total_slots else 0.05

    review_models.ProposalScore.objects.bulk_create(
        [
            review_models.ProposalScore(
                run=run,
                proposal=p,
                review_count=3,
                calibrated=10.0 - 0.1 * i,
                rank=i + 1,
                p_in_slots=chance(i + 1),
            )
            for i, p in enumerate(proposals)
        ]
    )
    review_models.Decision.objects.bulk_create(
        [
            review_models.Decision(proposal=p, status=person.decision)
            for p, person in zip(proposals, people, strict=True)
        ]
    )
    answered_at = now - dt.timedelta(hours=1)
    rows = []
    consenting = []
    for u, person in zip(users, people, strict=True):
        values = {"gender": person.gender, "underrepresented": person.underrepresented}
        values.update(zip(extra_keys, person.extra.values(), strict=False))
        for key, value in values.items():
            if not value:
                continue
            question_id = int(key[1:]) if key.startswith("q") and key[1:].isdigit() else None
            rows.append(
                models.Answer(
                    user=u,
                    key=key,
                    question_id=question_id,
                    value=value,
                    text=person.words if key == "gender" else "",
                    answered_at=answered_at,
                    value_changed_at=answered_at,
                )
            )
        if any(values.values()):
            consenting.append(
                models.Consent(user=u, version=models.CONSENT_VERSION, given_at=answered_at)
            )
    models.Consent.objects.bulk_create(consenting)
    models.Answer.objects.bulk_create(rows)
    return Seeded(call=c, chair=chair, users=users, codes=codes)


def build(c: cfp_models.Call, *, when: dt.datetime | None = None) -> services.BuildOutcome:
    outcome = services.build_report(call_id=c.pk, now=when or timezone.now())
    assert outcome is not None
    return outcome


def figures(c: cfp_models.Call, kind: str = "speakers") -> dict[str, Any]:
    return dict(models.ReportSnapshot.objects.get(call=c, kind=kind).figures)


def dimension(data: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(d for d in data["dimensions"] if d["slug"] == slug)


def cell(data: dict[str, Any], slug: str, value: str, stage: str) -> dict[str, Any]:
    row = next(r for r in dimension(data, slug)["rows"] if r["value"] == value)
    return dict(row["cells"][stage])


def mixed_population() -> list[Person]:
    """80 speakers: big groups, a group of 3 and a group of 2 (self-describe), 20 accepted."""
    genders = ["woman"] * 30 + ["man"] * 35 + ["non_binary"] * 3 + ["self_describe"] * 2
    genders += ["prefer_not_to_say"] * 4 + [""] * 6
    urg = ["yes"] * 12 + ["no"] * 50 + ["prefer_not_to_say"] * 5 + [""] * 13
    people = []
    for i in range(80):
        decision = review_models.DecisionStatus.UNDECIDED
        if i < 20:
            decision = review_models.DecisionStatus.ACCEPTED
        elif i < 24:
            decision = review_models.DecisionStatus.WAITLISTED
        people.append(
            Person(
                gender=genders[(i * 7) % 80],
                underrepresented=urg[(i * 3) % 80],
                words="nebula-weaver" if genders[(i * 7) % 80] == "self_describe" else "",
                first_time=i % 4 == 3,
                decision=decision,
            )
        )
    return people


# --- protection ----------------------------------------------------------------------------


def test_published_self_identification_counts_are_zero_or_at_least_k() -> None:
    s = seed_call(mixed_population())

    build(s.call)

    data = figures(s.call)
    protected = [d for d in data["dimensions"] if d["protected"]]
    assert {d["slug"] for d in protected} == set(PROTECTED)
    counts = [c["count"] for d in protected for r in d["rows"] for c in r["cells"].values()]
    assert any(n is None for n in counts), "the group of 3 must be hidden"
    assert all(n is None or n == 0 or n >= data["k"] for n in counts)


def test_a_lowered_threshold_of_five_still_hides_smaller_groups() -> None:
    s = seed_call(mixed_population())
    services.set_threshold(call_id=s.call.pk, k=5, now=timezone.now())

    build(s.call)

    data = figures(s.call)
    assert data["k"] == 5
    counts = [
        c["count"]
        for d in data["dimensions"]
        if d["protected"]
        for r in d["rows"]
        for c in r["cells"].values()
    ]
    assert all(n is None or n == 0 or n >= 5 for n in counts)
    assert cell(data, "gender", "non_binary", "submitted")["count"] is None


def test_shares_are_published_only_with_their_counts() -> None:
    s = seed_call(mixed_population())

    build(s.call)

    for d in figures(s.call)["dimensions"]:
        for r in d["rows"]:
            for c in r["cells"].values():
                assert (c["share"] is None) or (c["count"] is not None)
                if c["count"] is None:
                    assert c["share"] is None


def test_self_identification_figures_never_name_a_proposal() -> None:
    s = seed_call(mixed_population())

    build(s.call)

    for d in figures(s.call)["dimensions"]:
        if d["protected"]:
            text = json.dumps(d)
            assert not any(code in text for code in s.codes)


def test_snapshots_hold_no_person_key_in_their_published_figures() -> None:
    s = seed_call(mixed_population())

    build(s.call)

    text = json.dumps([figures(s.call), figures(s.call, "committee")])
    basis = models.SnapshotBasis.objects.get(snapshot__call=s.call, snapshot__kind="speakers")
    assert basis.data["stage_sets"], "the basis keeps who was in which stage, under pseudonyms"
    assert not any(key in text for key in basis.data["stage_sets"])
    assert "nebula-weaver" not in text
    assert not any(str(u.pk) in basis.data["stage_sets"] for u in s.users)


def test_the_report_is_built_by_the_task_with_a_call_id_only(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    s = seed_call(mixed_population()[:12])
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(
        report_services, "enqueue_on_commit", lambda name, *args: sent.append((name, args))
    )

    services.request_build(call_id=s.call.pk, now=timezone.now())

    assert sent == [("diversity.build_report", (s.call.pk,))]


def test_the_build_task_publishes_both_reports(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    s = seed_call(mixed_population()[:12])

    with django_capture_on_commit_callbacks(execute=True):
        services.request_build(call_id=s.call.pk, now=timezone.now())

    kinds = set(models.ReportSnapshot.objects.filter(call=s.call).values_list("kind", flat=True))
    assert kinds == {"speakers", "committee"}


# --- gaps ----------------------------------------------------------------------------------


def _first_timers_left_out() -> list[Person]:
    people: list[Person] = []
    for i in range(60):
        accepted = i < 15
        # First-timers are a third of submissions but ranked below the accepted talks.
        first = i >= 15 and i % 2 == 0 and len([p for p in people if p.first_time]) < 20
        people.append(
            Person(
                first_time=first,
                decision=review_models.DecisionStatus.ACCEPTED
                if accepted
                else review_models.DecisionStatus.REJECTED,
            )
        )
    return people


def test_a_drop_larger_than_chance_is_flagged_with_its_p_value_in_plain_words() -> None:
    s = seed_call(_first_timers_left_out(), slots=15)

    build(s.call)

    gaps = dimension(figures(s.call), "first_time")["gaps"]
    drop = next(g for g in gaps if g["kind"] == "drop" and g["value"] == "yes")
    assert drop["p_value"] < 0.05
    assert "First-time speaker: Yes" in drop["explanation"]
    assert "hypergeometric" in drop["explanation"]


def test_an_accepted_share_below_the_target_is_flagged() -> None:
    s = seed_call(mixed_population())
    services.set_target(
        call_id=s.call.pk, dimension="first_time", value="yes", share=0.9, now=timezone.now()
    )

    build(s.call)

    gaps = dimension(figures(s.call), "first_time")["gaps"]
    below = [g for g in gaps if g["kind"] == "below_target"]
    assert [g["value"] for g in below] == ["yes"]
    assert "90 %" in below[0]["explanation"]


def test_a_hidden_accepted_count_is_flagged_below_target_only_if_its_whole_range_is() -> None:
    s = seed_call(mixed_population())
    build(s.call)
    data = figures(s.call)
    hidden = [
        r["value"]
        for r in dimension(data, "gender")["rows"]
        if r["value"] and r["cells"]["accepted"]["count"] is None
    ]
    assert hidden, "the mixed population hides some accepted counts"
    for value in hidden:
        services.set_target(
            call_id=s.call.pk, dimension="gender", value=value, share=1.0, now=timezone.now()
        )

    build(s.call, when=timezone.now() + dt.timedelta(minutes=1))

    data = figures(s.call)
    accepted = dimension(data, "gender")["totals"]["accepted"]
    flagged = {g["value"] for g in dimension(data, "gender")["gaps"] if g["kind"] == "below_target"}
    expected = {v for v in hidden if cell(data, "gender", v, "accepted")["range"][1] < accepted}
    assert flagged == expected
    for gap in dimension(data, "gender")["gaps"]:
        assert "at most" in gap["explanation"] or "between" in gap["explanation"]


def test_programme_gaps_list_the_groups_proposals_near_the_cut_with_links() -> None:
    s = seed_call(_first_timers_left_out(), slots=15)
    build(s.call)
    client = Client()
    client.force_login(s.chair)

    body = client.get(reverse("diversity:report", args=[s.call.slug])).content.decode()

    gap = next(g for g in dimension(figures(s.call), "first_time")["gaps"] if g["kind"] == "drop")
    assert gap["near_cut"], "first-timers ranked just below the cut are listed"
    first = gap["near_cut"][0]
    assert f'href="/chair/{s.call.slug}/proposals/{first}/"' in body


def test_proposals_near_the_cut_are_withheld_while_chairs_are_blind() -> None:
    s = seed_call(_first_timers_left_out(), slots=15, blind=True)
    build(s.call)
    client = Client()
    client.force_login(s.chair)

    body = client.get(reverse("diversity:report", args=[s.call.slug])).content.decode()

    assert f"/chair/{s.call.slug}/proposals/" not in body
    assert "listed once the chairs reveal identities" in body


def test_near_cut_proposals_are_only_those_with_a_chancy_or_just_missed_rank() -> None:
    s = seed_call(_first_timers_left_out(), slots=15)

    build(s.call)

    gap = next(g for g in dimension(figures(s.call), "first_time")["gaps"] if g["kind"] == "drop")
    ranks = sorted(s.codes.index(code) + 1 for code in gap["near_cut"])
    # Just below 15 slots: ranks 16..18 (a tenth of the slots, at least three places).
    assert ranks
    assert all(15 <= r <= 18 for r in ranks)


# --- snapshots and the release rule --------------------------------------------------------


def _change_answers(s: Seeded, indexes: Sequence[int], value: str) -> None:
    for i in indexes:
        services.save_answers(
            user_id=s.users[i].pk,
            answers={"gender": services.AnswerData(value=value)},
            consent_version=None,
            now=timezone.now(),
        )


def test_fewer_than_k_changes_keep_the_previous_self_identification_figures() -> None:
    s = seed_call(mixed_population())
    build(s.call)
    before = cell(figures(s.call), "gender", "man", "submitted")
    men = [i for i, u in enumerate(s.users) if mixed_population()[i].gender == "man"][:3]

    _change_answers(s, men, "woman")
    build(s.call, when=timezone.now() + dt.timedelta(hours=1))

    data = figures(s.call)
    assert data["held"] is True
    assert cell(data, "gender", "man", "submitted") == before


def _large_groups() -> list[Person]:
    genders = ["woman"] * 30 + ["man"] * 40 + ["prefer_not_to_say"] * 10
    return [
        Person(
            gender=genders[(i * 7) % 80],
            decision=review_models.DecisionStatus.ACCEPTED
            if i < 40
            else review_models.DecisionStatus.REJECTED,
        )
        for i in range(80)
    ]


def test_k_or_more_mixed_changes_publish_new_figures() -> None:
    s = seed_call(_large_groups())
    build(s.call)
    before = cell(figures(s.call), "gender", "man", "submitted")["count"]
    rejected = [(i, p.gender) for i, p in enumerate(_large_groups()) if i >= 40]
    men = [i for i, g in rejected if g == "man"][:7]
    women = [i for i, g in rejected if g == "woman"][:5]

    _change_answers(s, men, "woman")
    _change_answers(s, women, "man")
    build(s.call, when=timezone.now() + dt.timedelta(hours=1))

    data = figures(s.call)
    assert data["held"] is False
    assert cell(data, "gender", "man", "submitted")["count"] == before - 2


def test_changes_that_all_go_one_way_are_not_published_as_a_difference() -> None:
    """Ten men becoming women: publishing man 40 -> 30 would tell each of them apart."""
    s = seed_call(_large_groups())
    build(s.call)
    before = cell(figures(s.call), "gender", "man", "submitted")["count"]
    men = [i for i, p in enumerate(_large_groups()) if p.gender == "man"][:10]

    _change_answers(s, men, "woman")
    build(s.call, when=timezone.now() + dt.timedelta(hours=1))

    data = figures(s.call)
    assert data["held"] is True or cell(data, "gender", "man", "submitted")["count"] in (
        None,
        before,
    )


def test_building_twice_without_changes_publishes_the_same_figures() -> None:
    s = seed_call(mixed_population())
    build(s.call)
    first = figures(s.call)

    build(s.call, when=timezone.now() + dt.timedelta(minutes=5))

    second = figures(s.call)
    assert first["dimensions"] == second["dimensions"]
    assert models.ReportSnapshot.objects.filter(call=s.call).count() == 2


# --- threshold and targets -----------------------------------------------------------------


def _chair_client(s: Seeded) -> Client:
    client = Client()
    client.force_login(s.chair)
    return client


def test_a_threshold_below_five_is_refused_on_the_field() -> None:
    s = seed_call(mixed_population()[:5])

    response = _chair_client(s).post(reverse("diversity:threshold", args=[s.call.slug]), {"k": "4"})

    assert response.status_code == 400
    assert "5 is the lowest" in response.content.decode()
    assert not models.ReportSettings.objects.filter(call=s.call).exists()


def test_a_chair_lowers_the_threshold_to_five_before_the_first_report() -> None:
    s = seed_call(mixed_population()[:5])

    response = _chair_client(s).post(reverse("diversity:threshold", args=[s.call.slug]), {"k": "5"})

    assert response.status_code == 302
    assert models.ReportSettings.objects.get(call=s.call).k == 5


def test_the_threshold_is_fixed_once_a_report_exists() -> None:
    s = seed_call(mixed_population()[:5])
    build(s.call)

    response = _chair_client(s).post(reverse("diversity:threshold", args=[s.call.slug]), {"k": "5"})

    assert response.status_code == 400
    assert "fixed once the first report is built" in response.content.decode()


def test_a_chair_sets_a_target_for_a_group_the_report_shows(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    s = seed_call(mixed_population())
    build(s.call)

    with django_capture_on_commit_callbacks(execute=True):
        response = _chair_client(s).post(
            reverse("diversity:targets", args=[s.call.slug]),
            {"group": "first_time:yes", "share": "30"},
        )

    assert response.status_code == 302
    assert models.Target.objects.get(call=s.call).share == pytest.approx(0.3)
    row = next(r for r in dimension(figures(s.call), "first_time")["rows"] if r["value"] == "yes")
    assert row["target"] == pytest.approx(0.3)


def test_a_target_above_a_hundred_percent_is_refused_with_the_typed_value_kept() -> None:
    s = seed_call(mixed_population()[:8])
    build(s.call)

    response = _chair_client(s).post(
        reverse("diversity:targets", args=[s.call.slug]),
        {"group": "first_time:yes", "share": "130"},
    )

    assert response.status_code == 400
    assert 'value="130"' in response.content.decode()
    assert not models.Target.objects.exists()


# --- the page ------------------------------------------------------------------------------


def test_the_report_page_shows_charts_with_a_table_and_flagged_gaps() -> None:
    s = seed_call(_first_timers_left_out(), slots=15)
    build(s.call)

    body = _chair_client(s).get(reverse("diversity:report", args=[s.call.slug])).content.decode()

    assert body.count("<svg") >= len(figures(s.call)["dimensions"])
    assert 'role="img"' in body
    assert "<desc" in body
    assert body.count('<table class="funnel-figures">') == body.count("<svg")
    assert "Larger drop than chance" in body
    assert "style=" not in body


def test_the_report_page_takes_no_query_parameters_that_change_figures() -> None:
    s = seed_call(mixed_population())
    build(s.call)
    client = _chair_client(s)
    url = reverse("diversity:report", args=[s.call.slug])

    plain = client.get(url).content.decode()
    filtered = client.get(url + "?k=1&stage=accepted&dimension=gender&value=non_binary")

    def figures_of(body: str) -> str:
        part = body[body.index('<section id="report"') : body.index('<section id="settings"')]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", part)

    assert figures_of(filtered.content.decode()) == figures_of(plain)


def test_the_committee_report_counts_reviewer_memberships() -> None:
    s = seed_call(mixed_population()[:4])
    for i in range(23):
        reviewer = factories.user(f"rev{i}")
        factories.member(s.call, reviewer, "reviewer")
        services.save_answers(
            user_id=reviewer.pk,
            answers={"gender": services.AnswerData(value="woman" if i < 11 else "man")},
            consent_version=models.CONSENT_VERSION,
            now=timezone.now(),
        )

    build(s.call)

    data = figures(s.call, "committee")
    assert [d["slug"] for d in data["dimensions"]] == list(SELF_ID)
    assert cell(data, "gender", "woman", "submitted")["count"] == 11
    assert cell(data, "gender", "man", "submitted")["count"] == 12
    assert cell(data, "underrepresented", "", "submitted")["count"] == 23


def test_a_reviewer_group_smaller_than_k_is_hidden_in_the_committee_report() -> None:
    s = seed_call(mixed_population()[:4])
    for i in range(12):
        reviewer = factories.user(f"rev{i}")
        factories.member(s.call, reviewer, "reviewer")
        services.save_answers(
            user_id=reviewer.pk,
            answers={"gender": services.AnswerData(value="non_binary" if i < 2 else "woman")},
            consent_version=models.CONSENT_VERSION,
            now=timezone.now(),
        )

    build(s.call)

    data = figures(s.call, "committee")
    assert cell(data, "gender", "non_binary", "submitted")["count"] is None
    assert cell(data, "gender", "woman", "submitted")["count"] is None


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_the_report_page_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    questions = [(f"Question {i}", ["Red", "Blue"]) for i in range(rows)]
    s = seed_call(mixed_population()[: 4 * rows], questions=questions)
    build(s.call)
    client = _chair_client(s)
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role, settings, snapshots, targets; the full page adds the navigation.
    with assert_queries(6 if htmx else 7):
        response = client.get(reverse("diversity:report", args=[s.call.slug]), headers=headers)

    assert response.status_code == 200
    # Self-ID twice (speakers, committee), seven programme attributes and "mentored" (issue 25).
    assert response.content.decode().count('class="funnel-dimension"') == 2 * (2 + rows) + 8


# --- chair questions -----------------------------------------------------------------------


def test_a_chair_adds_a_question_that_speakers_of_the_call_then_see() -> None:
    s = seed_call(mixed_population()[:2])
    client = _chair_client(s)

    response = client.post(
        reverse("diversity:questions", args=[s.call.slug]),
        {"label": "Do you have caring duties?", "options": "Yes\nNo"},
    )

    assert response.status_code == 302
    speaker = Client()
    speaker.force_login(s.users[0])
    body = speaker.get(reverse("diversity:self_id")).content.decode()
    assert "Do you have caring duties?" in body
    assert "Prefer not to say" in body


def test_a_question_without_answers_is_refused_with_the_typed_label_kept() -> None:
    s = seed_call(mixed_population()[:2])

    response = _chair_client(s).post(
        reverse("diversity:questions", args=[s.call.slug]), {"label": "Caring duties?"}
    )

    assert response.status_code == 400
    assert 'value="Caring duties?"' in response.content.decode()
    assert not models.Question.objects.exists()


def test_removing_a_question_deletes_its_answers() -> None:
    s = seed_call(
        [Person(extra={"q": "red"}), Person(extra={"q": "blue"})],
        questions=[("Colour", ["Red", "Blue"])],
    )
    question = models.Question.objects.get(call=s.call)

    response = _chair_client(s).post(
        reverse("diversity:questions", args=[s.call.slug]),
        {"action": "remove", "question": str(question.pk)},
    )

    assert response.status_code == 302
    assert not models.Answer.objects.filter(key=queries.question_key(question.pk)).exists()


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def seeded() -> Seeded:
    return seed_call(mixed_population())


def test_the_command_prints_the_published_figures_as_json(seeded: Seeded) -> None:
    out = StringIO()

    call_command("diversity_report", "--call", seeded.call.slug, "--format", "json", stdout=out)

    data = json.loads(out.getvalue())
    assert set(data) == {"speakers", "committee"}
    gender = dimension(data["speakers"], "gender")
    assert all(
        c["count"] is None or c["count"] == 0 or c["count"] >= funnel.DEFAULT_K
        for r in gender["rows"]
        for c in r["cells"].values()
    )


def test_the_command_prints_a_readable_text_table(seeded: Seeded) -> None:
    out = StringIO()

    call_command("diversity_report", "--call", seeded.call.slug, "--format", "text", stdout=out)

    text = out.getvalue()
    assert "== Speakers" in text
    assert "Gender (self-identification; counted once per person who speaks)" in text
    assert "hidden" in text


def test_the_command_refuses_an_unknown_call_in_one_line() -> None:
    with pytest.raises(CommandError, match="No call with the slug 'nope'"):
        call_command("diversity_report", "--call", "nope")
