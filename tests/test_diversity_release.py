"""Issue 16's reproductions, end to end through the build service: each compares two published
reports the way a chair would and must not learn one person's answer. Each failed on the code
before the release audit (the figures it asserts against are the ones that code published).

Also: the release history is kept per report and version, holds no answer, follows a withdrawal
without leading back to the person, and the report page says why cells are hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from diversity import models, services
from diversity.queries import pseudonyms, report_inputs
from reviews import models as review_models
from tests import factories
from tests.test_diversity_report import Person, build, cell, figures, seed_call

pytestmark = pytest.mark.django_db

ACCEPTED = review_models.DecisionStatus.ACCEPTED
UNDECIDED = review_models.DecisionStatus.UNDECIDED


def _decide(c: cfp_models.Call, codes: Sequence[str], status: str = ACCEPTED) -> None:
    review_models.Decision.objects.filter(proposal__call=c, proposal__code__in=codes).update(
        status=status
    )


# --- 1. the change margin ----------------------------------------------------------------------


def _margin_population() -> list[Person]:
    """30 accepted (18 men), all above the cut; 15 more above the cut; mixed groups throughout,
    so that the first report publishes the accepted column; 10 people without answers yet."""
    people = []
    for i in range(100):
        if i < 30:
            people.append(Person(gender="man" if i % 5 < 3 else "woman", decision=ACCEPTED))
        elif i < 90:
            people.append(Person(gender="man" if i % 3 else "woman"))
        else:
            people.append(Person())  # they answer in the 30 s before the first build
    return people


def test_answers_saved_just_before_a_build_do_not_count_again_and_release_one_acceptance() -> None:
    s = seed_call(_margin_population(), slots=45)
    first = timezone.now()
    for n, i in enumerate(range(90, 100)):
        services.save_answers(
            user_id=s.users[i].pk,
            answers={"gender": services.AnswerData(value="man" if n % 2 else "woman")},
            consent_version=models.CONSENT_VERSION,
            now=first - dt.timedelta(seconds=10),
        )
    build(s.call, when=first)
    before = cell(figures(s.call), "gender", "man", "accepted")["count"]
    assert before == 18

    _decide(s.call, [s.codes[50]])  # one man accepted, from below the cut
    build(s.call, when=first + dt.timedelta(hours=1))

    after = cell(figures(s.call), "gender", "man", "accepted")["count"]
    assert after != 19, "18 -> 19 tells the chair the newly accepted speaker is a man"


def test_an_answer_saved_before_a_build_is_not_declared_changed_at_the_next() -> None:
    """The class behind reproduction 1: only a real change after the basis counts."""
    s = seed_call(_margin_population(), slots=45)
    first = timezone.now()
    services.save_answers(
        user_id=s.users[95].pk,
        answers={"gender": services.AnswerData(value="woman")},
        consent_version=models.CONSENT_VERSION,
        now=first - dt.timedelta(seconds=1),
    )
    build(s.call, when=first)

    inputs = report_inputs.report_inputs(call_id=s.call.pk)

    assert inputs.changed["speakers"].get("gender", frozenset()) == frozenset()


# --- 2. a release that isolates one person -----------------------------------------------------


def _withdrawal_population() -> list[Person]:
    """200 speakers, 150 answering "no" to the under-represented question, mixed in every stage;
    40 accepted, all above the cut (60 above it)."""
    people = []
    for i in range(200):
        spot = (i * 7) % 200
        urg = "no" if spot < 150 else ("yes" if spot < 180 else "prefer_not_to_say")
        people.append(
            Person(
                gender="man" if i % 3 else "woman",
                underrepresented=urg,
                decision=ACCEPTED if i < 40 else UNDECIDED,
            )
        )
    return people


def test_a_withdrawal_then_nine_decisions_does_not_isolate_the_person_who_left() -> None:
    s = seed_call(_withdrawal_population(), slots=60)
    leaver = next(i for i in range(60, 200) if _withdrawal_population()[i].underrepresented == "no")
    now = timezone.now()
    build(s.call, when=now)
    assert cell(figures(s.call), "underrepresented", "no", "submitted")["count"] == 150

    services.withdraw_consent(user_id=s.users[leaver].pk, now=now + dt.timedelta(minutes=1))
    build(s.call, when=now + dt.timedelta(minutes=2))
    _decide(s.call, s.codes[100:109])  # nine other proposals accepted
    build(s.call, when=now + dt.timedelta(minutes=3))

    after = cell(figures(s.call), "underrepresented", "no", "submitted")["count"]
    assert after != 149, "150 -> 149 says the person who withdrew had answered 'no'"


# --- 3. across calls ---------------------------------------------------------------------------


def _committee(c: cfp_models.Call, reviewers: Sequence[object]) -> None:
    for reviewer in reviewers:
        factories.member(c, reviewer, "reviewer")


def test_two_committees_that_differ_by_one_person_do_not_show_that_persons_answer() -> None:
    a = seed_call([Person(gender="man")] * 4, slug="alpha")
    b = seed_call([Person(gender="man")] * 4, slug="beta")
    factories.member(b.call, a.chair, "chair")  # the same chair sees both
    now = timezone.now()
    for c in (a.call, b.call):
        services.set_threshold(call_id=c.pk, k=5, now=now)
    shared = [factories.user(f"rev{i}") for i in range(30)]
    extra = factories.user("rev-extra")
    for i, reviewer in enumerate([*shared, extra]):
        services.save_answers(
            user_id=reviewer.pk,
            answers={"gender": services.AnswerData(value="woman" if i < 5 else "man")},
            consent_version=models.CONSENT_VERSION,
            now=now,
        )
    services.save_answers(
        user_id=extra.pk,
        answers={"gender": services.AnswerData(value="woman")},
        consent_version=None,
        now=now,
    )
    _committee(a.call, [*shared, extra])
    _committee(b.call, shared)

    build(a.call, when=now + dt.timedelta(minutes=1))
    build(b.call, when=now + dt.timedelta(minutes=2))

    woman_a = cell(figures(a.call, "committee"), "gender", "woman", "submitted")["count"]
    woman_b = cell(figures(b.call, "committee"), "gender", "woman", "submitted")["count"]
    assert woman_a == 6, "the first report is published as before"
    assert woman_b is None, "5 beside 6 would tell the chair the extra reviewer is a woman"


def test_the_same_committees_under_different_chairs_are_each_published() -> None:
    """The audit is per viewer: without a shared chair nobody sees both reports."""
    a = seed_call([Person(gender="man")] * 4, slug="alpha")
    b = seed_call([Person(gender="man")] * 4, slug="beta")
    now = timezone.now()
    for c in (a.call, b.call):
        services.set_threshold(call_id=c.pk, k=5, now=now)
    shared = [factories.user(f"rev{i}") for i in range(30)]
    extra = factories.user("rev-extra")
    for i, reviewer in enumerate([*shared, extra]):
        services.save_answers(
            user_id=reviewer.pk,
            answers={"gender": services.AnswerData(value="woman" if i < 5 or i == 30 else "man")},
            consent_version=models.CONSENT_VERSION,
            now=now,
        )
    _committee(a.call, [*shared, extra])
    _committee(b.call, shared)

    build(a.call, when=now + dt.timedelta(minutes=1))
    build(b.call, when=now + dt.timedelta(minutes=2))

    assert cell(figures(b.call, "committee"), "gender", "woman", "submitted")["count"] == 5


# --- the history itself ------------------------------------------------------------------------


def test_every_fresh_version_is_kept_and_an_unchanged_rebuild_adds_none() -> None:
    s = seed_call(_margin_population()[:90])
    now = timezone.now()
    build(s.call, when=now)
    build(s.call, when=now + dt.timedelta(minutes=1))

    kinds = sorted(models.ReleaseRecord.objects.filter(call=s.call).values_list("kind", flat=True))
    assert kinds == ["committee", "speakers"]


def test_the_history_holds_no_answer_and_no_user_id() -> None:
    s = seed_call(_margin_population()[:90])
    build(s.call)
    out = StringIO()

    call_command("dumpdata", "diversity.ReleaseRecord", stdout=out)

    assert "Speaker 3" not in out.getvalue()
    record = models.ReleaseRecord.objects.get(call=s.call, kind="speakers")
    members = record.data["members"]
    assert all(len(key) == 20 for key in members), "pseudonymous keys only"
    assert not any(str(u.pk) == key for u in s.users for key in members)
    flat = str(record.data["epochs"])
    assert "woman" not in flat, "epoch tokens, never answers"


def test_a_withdrawal_re_keys_the_person_in_every_release() -> None:
    s = seed_call(_margin_population()[:90])
    build(s.call)
    person = pseudonyms.person_key(user_id=s.users[3].pk)
    assert person in models.ReleaseRecord.objects.get(call=s.call, kind="speakers").data["members"]

    services.withdraw_consent(user_id=s.users[3].pk, now=timezone.now())

    data = models.ReleaseRecord.objects.get(call=s.call, kind="speakers").data
    assert person not in data["members"]
    assert len(data["members"]) == 90, "the person still counted once, under a fresh key"


@pytest.mark.parametrize(
    ("release", "says"),
    [
        ({"extra_hidden": 3, "held_by_audit": False}, "3 more cells are hidden than small counts"),
        ({"extra_hidden": 0, "held_by_audit": True}, "New self-identification figures are not"),
        ({"extra_hidden": 0, "held_by_audit": False}, None),
    ],
)
def test_the_report_page_says_why_cells_are_hidden_or_held(
    release: dict[str, object], says: str | None
) -> None:
    s = seed_call(_margin_population())
    build(s.call)
    data = figures(s.call)
    data["release"] = release
    models.ReportSnapshot.objects.filter(call=s.call, kind="speakers").update(figures=data)
    client = Client()
    client.force_login(s.chair)

    body = client.get(reverse("diversity:report", args=[s.call.slug])).content.decode()

    if says is None:
        assert "than small counts alone require" not in body
        assert "New self-identification figures are not" not in body
    else:
        assert says in body
