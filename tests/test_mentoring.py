"""Mentoring (issue 25): requests, matching (by hand and by the engine), the thread, suggestions
saved through the proposal's write path, another mentor, reports, and who sees what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models
from cfp.services import mentoring as services
from reviews.queries import assignment_inputs
from reviews.services import mentor_matching
from tests import factories

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Vexquil caching for beginners"
DRAFT_ABSTRACT = "I will show how Brinmok caches work. It is very good."


@dataclass
class Setup:
    call: models.Call
    draft: models.Proposal
    speaker: Any
    chair: Any
    mentor: Any
    other_mentor: Any


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def s() -> Setup:
    call = factories.call("pycon")
    speaker = factories.user("sam", first_name="Samira Quell")
    chair = factories.user("chad")
    mentor = factories.user("mona", first_name="Mona Mentor")
    other = factories.user("otis", first_name="Otis Other")
    factories.member(call, chair, models.Role.CHAIR)
    factories.member(call, mentor, models.Role.MENTOR)
    factories.member(call, other, models.Role.MENTOR)
    draft = factories.proposal(
        call, speaker, title=DRAFT_TITLE, abstract=DRAFT_ABSTRACT, draft=True
    )
    models.Speaker.objects.filter(user=speaker).update(wants_mentor=True, region="Zorvexland")
    return Setup(
        call=call, draft=draft, speaker=speaker, chair=chair, mentor=mentor, other_mentor=other
    )


def speaker_url(s: Setup) -> str:
    return reverse("cfp:mentoring", args=[s.call.slug, s.draft.code])


def mentor_url(s: Setup, code: str | None = None) -> str:
    return reverse("mentor_proposal", args=[s.call.slug, code or s.draft.code])


def ask(s: Setup) -> None:
    response = client_for(s.speaker).post(speaker_url(s), {"action": "ask"})
    assert response.status_code == 302


def match(s: Setup, mentor: Any | None = None) -> None:
    services.match_mentor(
        call_id=s.call.pk,
        code=s.draft.code,
        mentor_id=(mentor or s.mentor).pk,
        chair_id=s.chair.pk,
        now=timezone.now(),
    )


def test_a_speaker_asks_for_a_mentor_for_a_draft(s: Setup) -> None:
    ask(s)

    request = models.MentoringRequest.objects.get(proposal=s.draft)
    assert request.closed_at is None
    assert models.AuditEvent.objects.filter(action="mentoring.requested").count() == 1


def test_the_chair_matches_by_hand_and_both_sides_get_an_email_pointing_inside_the_tool(
    s: Setup,
) -> None:
    ask(s)
    response = client_for(s.chair).post(
        reverse("chair:mentoring", args=[s.call.slug]),
        {"action": "match", "code": s.draft.code, "mentor": str(s.mentor.pk)},
    )

    assert response.status_code == 302
    current = models.MentorMatch.objects.get(proposal=s.draft, ended_at__isnull=True)
    assert current.mentor_id == s.mentor.pk
    assert current.matched_by_id == s.chair.pk
    mails = {m.to: m.body for m in models.EmailOutbox.objects.filter(key__startswith="mentoring:")}
    assert f"/calls/pycon/mine/{s.draft.code}/mentoring/" in mails["sam@example.org"]
    assert "Mona Mentor" in mails["sam@example.org"]
    assert f"/mentor/pycon/{s.draft.code}/" in mails["mona@example.org"]
    assert "Samira Quell" in mails["mona@example.org"]
    # Neither side is given the other's address: they talk inside the tool.
    assert "mona@example.org" not in mails["sam@example.org"]
    assert "sam@example.org" not in mails["mona@example.org"]
    assert models.AuditEvent.objects.filter(action="mentoring.matched").count() == 1


def test_a_chair_cannot_match_a_proposal_nobody_asked_about_or_a_non_mentor(s: Setup) -> None:
    with pytest.raises(services.UnableToMentor, match="Nobody asked"):
        match(s)
    ask(s)
    with pytest.raises(services.UnableToMentor, match="mentors"):
        match(s, mentor=s.chair)
    assert not models.MentorMatch.objects.exists()


def test_the_chairs_page_shows_the_request_and_its_state_but_not_the_drafts_text(
    s: Setup,
) -> None:
    ask(s)

    html = client_for(s.chair).get(reverse("chair:mentoring", args=[s.call.slug])).content
    page = html.decode()

    assert s.draft.code in page
    assert "Draft" in page
    assert DRAFT_TITLE not in page
    assert "Brinmok" not in page
    assert "Samira" not in page


def test_the_matching_run_pairs_by_language_and_never_pairs_a_speaker_with_themself() -> None:
    call = factories.call("pycon")
    chair = factories.user("chad")
    factories.member(call, chair, models.Role.CHAIR)
    spanish = factories.user("sol", first_name="Sol Mentora")
    english = factories.user("eli", first_name="Eli Mentor")
    for mentor in (spanish, english):
        factories.member(call, mentor, models.Role.MENTOR)
    from reviews import models as review_models

    review_models.ReviewerSettings.objects.create(call=call, user=spanish, languages=["es"])
    review_models.ReviewerSettings.objects.create(call=call, user=english, languages=["en"])
    es = factories.proposal(call, factories.user("ana"), title="Charla", language="es", draft=True)
    en = factories.proposal(call, eli_speaker := factories.user("bob"), title="Talk", draft=True)
    own = factories.proposal(call, english, title="Eli's own", draft=True)
    now = timezone.now()
    for p in (es, en, own):
        models.MentoringRequest.objects.create(proposal=p, asked_at=now)
    del eli_speaker

    result = mentor_matching.match_mentors(call_id=call.pk, now=now)

    pairs = dict(
        models.MentorMatch.objects.filter(ended_at__isnull=True).values_list(
            "proposal__code", "mentor_id"
        )
    )
    assert pairs[es.code] == spanish.pk
    assert pairs[en.code] == english.pk
    assert own.code not in pairs  # the only English mentor speaks on it
    assert result.unmatched == (own.code,)


def test_asking_for_another_mentor_ends_the_match_and_the_run_never_picks_them_again(
    s: Setup,
) -> None:
    ask(s)
    match(s)

    response = client_for(s.speaker).post(speaker_url(s), {"action": "another"})
    result = mentor_matching.match_mentors(call_id=s.call.pk, now=timezone.now())

    assert response.status_code == 302
    assert result.matched == (s.draft.code,)
    current = models.MentorMatch.objects.get(proposal=s.draft, ended_at__isnull=True)
    assert current.mentor_id == s.other_mentor.pk
    assert models.AuditEvent.objects.filter(action="mentoring.another_mentor").count() == 1


def test_a_speaker_reports_a_mentor_to_the_chairs_and_the_report_is_audited(s: Setup) -> None:
    ask(s)
    match(s)

    response = client_for(s.speaker).post(
        speaker_url(s), {"action": "report", "text": "Rude comments about my accent."}
    )
    empty = client_for(s.speaker).post(speaker_url(s), {"action": "report", "text": "  "})
    chair_page = client_for(s.chair).get(reverse("chair:mentoring", args=[s.call.slug]))

    assert response.status_code == 302
    event = models.AuditEvent.objects.get(action="mentoring.reported")
    assert event.data["text"] == "Rude comments about my accent."
    assert event.data["mentor_id"] == s.mentor.pk
    assert empty.status_code == 400
    assert "Rude comments about my accent." in chair_page.content.decode()


def test_the_mentor_sees_the_matched_draft_with_the_speakers_name_and_nothing_else(
    s: Setup,
) -> None:
    other = factories.proposal(s.call, factories.user("zed"), title="Someone else's talk")
    ask(s)
    match(s)
    mentor = client_for(s.mentor)

    page = mentor.get(mentor_url(s)).content.decode()
    home = mentor.get(reverse("mentor_home", args=[s.call.slug])).content.decode()
    others = mentor.get(mentor_url(s, other.code))
    not_matched = client_for(s.other_mentor).get(mentor_url(s))

    assert DRAFT_ABSTRACT in page
    assert "Samira Quell" in page
    assert "Zorvexland" not in page  # programme attributes stay with chairs
    assert DRAFT_TITLE in home
    assert "Someone else" not in home
    assert others.status_code == 404
    assert not_matched.status_code == 404


def test_the_thread_takes_messages_from_both_sides_and_htmx_gets_only_the_thread(
    s: Setup,
) -> None:
    ask(s)
    match(s)

    speaker = client_for(s.speaker).post(
        speaker_url(s), {"action": "post", "body": "Could you read my abstract?"}
    )
    mentor = client_for(s.mentor).post(
        mentor_url(s),
        {"action": "post", "body": "Gladly: tighten the *first* line."},
        headers={"HX-Request": "true", "HX-Target": "thread"},
    )
    empty = client_for(s.mentor).post(
        mentor_url(s), {"action": "post", "body": ""}, headers={"HX-Request": "true"}
    )

    assert speaker.status_code == 302
    assert mentor.status_code == 200
    fragment = mentor.content.decode()
    assert fragment.lstrip().startswith('<section id="thread"')
    assert "Could you read my abstract?" in fragment
    assert "<em>first</em>" in fragment
    assert empty.status_code == 400
    assert models.MentoringPost.objects.filter(proposal=s.draft).count() == 2


def test_an_accepted_suggestion_is_saved_through_the_write_path_as_a_new_version(
    s: Setup,
) -> None:
    ask(s)
    match(s)
    client_for(s.mentor).post(
        mentor_url(s),
        {
            "action": "suggest",
            "original": "It is very good.",
            "replacement": "You leave with a checklist.",
            "note": "Say what they get.",
        },
    )
    suggestion = models.MentoringSuggestion.objects.get()
    version = s.draft.version

    response = client_for(s.speaker).post(
        speaker_url(s), {"action": "accept", "suggestion": str(suggestion.pk)}
    )

    assert response.status_code == 302
    s.draft.refresh_from_db()
    assert s.draft.abstract == "I will show how Brinmok caches work. You leave with a checklist."
    assert s.draft.version == version + 1
    assert s.draft.versions.filter(number=version + 1).exists()
    assert "You leave with a checklist." in s.draft.redacted["abstract"]
    suggestion.refresh_from_db()
    assert suggestion.state == models.SuggestionState.ACCEPTED


def test_a_suggestion_on_a_passage_that_is_gone_is_refused_with_a_message(s: Setup) -> None:
    ask(s)
    match(s)
    bad = client_for(s.mentor).post(
        mentor_url(s), {"action": "suggest", "original": "Not in the text", "replacement": "x"}
    )
    client_for(s.mentor).post(
        mentor_url(s), {"action": "suggest", "original": "very good", "replacement": "useful"}
    )
    suggestion = models.MentoringSuggestion.objects.get()
    models.Proposal.objects.filter(pk=s.draft.pk).update(abstract="Rewritten entirely.")

    stale = client_for(s.speaker).post(
        speaker_url(s), {"action": "accept", "suggestion": str(suggestion.pk)}
    )

    assert bad.status_code == 400
    assert "not in the abstract" in bad.content.decode()
    assert stale.status_code == 400
    assert "The abstract changed since this suggestion" in stale.content.decode()


def test_a_suggestion_that_would_take_the_abstract_past_its_limit_is_refused_with_the_text_kept(
    s: Setup,
) -> None:
    # Found by the security fuzzer's world: a 3,000-character replacement was stored, and
    # accepting it saved a 3,050-character abstract the submission form refuses.
    ask(s)
    match(s)
    wording = "Brinmok " * 375  # 3,000 characters

    response = client_for(s.mentor).post(
        mentor_url(s), {"action": "suggest", "original": "very good", "replacement": wording}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "longer than 3000 characters" in page
    assert wording.strip() in page
    assert not models.MentoringSuggestion.objects.exists()


def test_accepting_a_suggestion_never_takes_the_abstract_past_its_limit(s: Setup) -> None:
    ask(s)
    match(s)
    client_for(s.mentor).post(
        mentor_url(s),
        {"action": "suggest", "original": "very good", "replacement": "useful to every team"},
    )
    suggestion = models.MentoringSuggestion.objects.get()
    # Since the suggestion, the speaker grew the abstract to its limit.
    full = DRAFT_ABSTRACT + "x" * (3000 - len(DRAFT_ABSTRACT))
    models.Proposal.objects.filter(pk=s.draft.pk).update(abstract=full)
    version = s.draft.version

    response = client_for(s.speaker).post(
        speaker_url(s), {"action": "accept", "suggestion": str(suggestion.pk)}
    )

    assert response.status_code == 400
    assert "longer than 3000 characters" in response.content.decode()
    s.draft.refresh_from_db()
    assert (s.draft.abstract, s.draft.version) == (full, version)
    suggestion.refresh_from_db()
    assert suggestion.state == models.SuggestionState.OPEN


def test_a_mentor_never_opens_the_review_screen_of_a_proposal_they_mentor(s: Setup) -> None:
    factories.member(s.call, s.mentor, models.Role.REVIEWER)
    ask(s)
    match(s)
    client_for(s.speaker)  # the speaker submits the draft; it is now a live proposal
    models.Proposal.objects.filter(pk=s.draft.pk).update(state=models.ProposalState.SUBMITTED)
    factories.assign(s.draft, s.mentor)  # a stray assignment row, as a manual one could be

    screen = client_for(s.mentor).get(reverse("reviews:screen", args=[s.call.slug, s.draft.code]))

    assert screen.status_code == 404


def test_assignment_inputs_make_a_mentor_a_hard_conflict_and_the_call_can_bar_mentors(
    s: Setup,
) -> None:
    factories.member(s.call, s.mentor, models.Role.REVIEWER)
    factories.member(s.call, s.other_mentor, models.Role.REVIEWER)
    ask(s)
    match(s)

    inputs = assignment_inputs.assignment_inputs(call_id=s.call.pk)
    by_key = {r.key: r for r in inputs.reviewers}
    assert str(s.draft.pk) in by_key[str(s.mentor.pk)].conflicts
    assert str(s.draft.pk) not in by_key[str(s.other_mentor.pk)].conflicts

    services.update_mentoring_settings(
        call_id=s.call.pk,
        chair_id=s.chair.pk,
        reviewers_may_mentor=False,
        mentors_may_review=False,
        now=timezone.now(),
    )
    barred = assignment_inputs.assignment_inputs(call_id=s.call.pk)

    assert not {r.key for r in barred.reviewers} & {str(s.mentor.pk), str(s.other_mentor.pk)}
    event = models.AuditEvent.objects.get(action="mentoring.settings")
    assert event.data["after"] == {"reviewers_may_mentor": False, "mentors_may_review": False}


def test_a_reviewer_volunteers_only_when_the_call_allows_it(s: Setup) -> None:
    rita = factories.user("rita")
    factories.member(s.call, rita, models.Role.REVIEWER)
    url = reverse("mentor_volunteer", args=[s.call.slug])

    refused = client_for(rita).post(url)
    assert not models.Membership.objects.filter(user=rita, role=models.Role.MENTOR).exists()
    models.Call.objects.filter(pk=s.call.pk).update(reviewers_may_mentor=True)
    accepted = client_for(rita).post(url)

    assert refused.status_code == 302
    assert accepted.status_code == 302
    assert models.Membership.objects.filter(user=rita, role=models.Role.MENTOR).exists()


@pytest.mark.parametrize("posts", [1, 3])
def test_the_mentor_page_runs_a_fixed_number_of_queries(
    s: Setup, posts: int, django_assert_num_queries: Any
) -> None:
    ask(s)
    match(s)
    for i in range(posts):
        services.post_message(
            call_id=s.call.pk,
            code=s.draft.code,
            user_id=s.speaker.pk,
            body=f"m{i}",
            now=timezone.now(),
        )
        models.MentoringSuggestion.objects.create(
            proposal=s.draft,
            author=s.mentor,
            original="very",
            replacement=f"r{i}",
            created_at=timezone.now(),
        )
    client = client_for(s.mentor)
    client.get(mentor_url(s))  # warm the session

    with django_assert_num_queries(15):
        response = client.get(mentor_url(s))

    assert response.status_code == 200


def test_threads_are_in_the_personal_data_registry_for_export_and_erasure(s: Setup) -> None:
    from cfp.queries import personal_data

    ask(s)
    match(s)
    services.post_message(
        call_id=s.call.pk, code=s.draft.code, user_id=s.mentor.pk, body="Hi!", now=timezone.now()
    )
    part = {p.name: p for p in personal_data.parts()}["mentoring"]
    assert part.export is not None
    assert part.erase is not None

    exported = part.export(s.mentor.pk)
    erased = part.erase(s.mentor.pk, timezone.now())

    assert exported["mentoring_messages_written"][0]["body"] == "Hi!"
    assert exported["proposals_mentored"][0]["proposal"] == s.draft.code
    assert erased["mentoring_messages_deleted"] == 1
    assert not models.MentoringPost.objects.exists()
    assert not models.MentorMatch.objects.filter(ended_at__isnull=True).exists()


def test_the_diversity_funnel_counts_mentored_proposals_as_a_protected_attribute(s: Setup) -> None:
    from diversity.queries import report_inputs

    ask(s)
    match(s)
    client_for(s.speaker)
    models.Proposal.objects.filter(pk=s.draft.pk).update(state=models.ProposalState.SUBMITTED)
    factories.proposal(s.call, factories.user("ulla"), title="Not mentored")

    inputs = report_inputs.report_inputs(call_id=s.call.pk)

    mentored = next(d for d in inputs.programme if d.slug == "mentored")
    assert mentored.protected
    values = {u.proposal: u.values["mentored"] for u in inputs.pairs}
    assert values[s.draft.code] == "yes"
    assert sorted(values.values()) == ["no", "yes"]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_chairs_mentoring_page_runs_a_fixed_number_of_queries(
    s: Setup, rows: int, django_assert_num_queries: Any
) -> None:
    ask(s)
    match(s)
    for i in range(rows - 1):
        p = factories.proposal(s.call, factories.user(f"extra{i}"), title=f"T{i}", draft=True)
        models.MentoringRequest.objects.create(proposal=p, asked_at=timezone.now())
    client = client_for(s.chair)
    client.get(reverse("chair:mentoring", args=[s.call.slug]))

    # session, user, role; call settings, requests, matches, mentors, their loads, reports,
    # the numbers; the navigation.
    with django_assert_num_queries(11):
        response = client.get(reverse("chair:mentoring", args=[s.call.slug]))

    assert response.content.decode().count("<code>") == rows


@pytest.mark.parametrize("posts", [1, 3])
def test_the_speakers_mentoring_page_runs_a_fixed_number_of_queries(
    s: Setup, posts: int, django_assert_num_queries: Any
) -> None:
    ask(s)
    match(s)
    for i in range(posts):
        services.post_message(
            call_id=s.call.pk,
            code=s.draft.code,
            user_id=s.mentor.pk,
            body=f"m{i}",
            now=timezone.now(),
        )
    client = client_for(s.speaker)
    client.get(speaker_url(s))

    # session, user, navigation; the call (with formats, tracks, criteria); the proposal with
    # its speakers, its mentor, the posts, the suggestions; the call's questions.
    with django_assert_num_queries(14):
        response = client.get(speaker_url(s))

    assert response.content.decode().count('class="card"><p class="hint"><strong>') == posts


def test_a_call_that_bars_mentors_from_reviewing_keeps_them_off_every_review_screen(
    s: Setup,
) -> None:
    factories.member(s.call, s.other_mentor, models.Role.REVIEWER)
    other = factories.proposal(s.call, factories.user("zed"), title="Not mentored by Otis")
    factories.assign(other, s.other_mentor)
    url = reverse("reviews:screen", args=[s.call.slug, other.code])
    client = client_for(s.other_mentor)
    assert client.get(url).status_code == 200

    models.Call.objects.filter(pk=s.call.pk).update(mentors_may_review=False)

    assert client.get(url).status_code == 404


def test_the_leak_scanners_warnings_show_to_the_speaker_and_to_the_mentor(s: Setup) -> None:
    named = factories.proposal(
        s.call,
        s.speaker,
        title="Second draft",
        abstract="I am Samira Quell and I maintain Brinmok.",
        draft=True,
    )
    for code in (s.draft.code, named.code):
        url = reverse("cfp:mentoring", args=[s.call.slug, code])
        assert client_for(s.speaker).post(url, {"action": "ask"}).status_code == 302
        services.match_mentor(
            call_id=s.call.pk,
            code=code,
            mentor_id=s.mentor.pk,
            chair_id=s.chair.pk,
            now=timezone.now(),
        )
    pages = {
        (who, code): client_for(user).get(url).content.decode()
        for code in (s.draft.code, named.code)
        for who, user, url in (
            ("speaker", s.speaker, reverse("cfp:mentoring", args=[s.call.slug, code])),
            ("mentor", s.mentor, mentor_url(s, code)),
        )
    }

    for who in ("speaker", "mentor"):
        warned = pages[(who, named.code)]
        section = warned[warned.index('id="findings"') :]
        assert '<div class="findings" id="findings">' in warned
        assert "Samira Quell" in section[: section.index("</div>")]
        # The control: a text that names nobody draws no warning on the same page.
        assert '<p class="ok" id="findings">' in pages[(who, s.draft.code)]


def _matching_world(**settings_of: dict[str, Any]) -> tuple[models.Call, dict[str, Any]]:
    """A call with one mentor per keyword (their reviewer settings as the value)."""
    from reviews import models as review_models

    call = factories.call("pycon")
    mentors = {}
    for username, prefs in settings_of.items():
        mentors[username] = factories.user(username)
        factories.member(call, mentors[username], models.Role.MENTOR)
        review_models.ReviewerSettings.objects.create(call=call, user=mentors[username], **prefs)
    return call, mentors


def _ask_for(call: models.Call, *tracks: str) -> list[models.Proposal]:
    now = timezone.now()
    drafts = []
    for i, track in enumerate(tracks):
        p = factories.proposal(
            call, factories.user(f"sp{i}"), title=f"T{i}", track=track, draft=True
        )
        models.MentoringRequest.objects.create(proposal=p, asked_at=now)
        drafts.append(p)
    return drafts


def _matched_to(mentor: Any) -> set[str]:
    return set(
        models.MentorMatch.objects.filter(ended_at__isnull=True, mentor=mentor).values_list(
            "proposal__code", flat=True
        )
    )


def test_the_matching_run_keeps_to_each_mentors_load() -> None:
    call, m = _matching_world(capped={"max_load": 1}, open={})
    drafts = _ask_for(call, "web", "web", "web", "web")

    result = mentor_matching.match_mentors(call_id=call.pk, now=timezone.now())

    # Spreading four requests over two mentors would give each two: the cap of one holds.
    assert len(_matched_to(m["capped"])) == 1
    assert len(_matched_to(m["open"])) == 3
    assert sorted(result.matched) == sorted(p.code for p in drafts)


def test_the_matching_run_gives_a_mentor_the_track_they_listed() -> None:
    call, m = _matching_world(webby={"tracks": ["web"]}, data={"tracks": ["data"]})
    web, data = _ask_for(call, "web", "data")

    mentor_matching.match_mentors(call_id=call.pk, now=timezone.now())

    assert _matched_to(m["webby"]) == {web.code}
    assert _matched_to(m["data"]) == {data.code}


@pytest.mark.parametrize("rows", [1, 3])
def test_the_mentors_list_runs_a_fixed_number_of_queries(
    s: Setup, rows: int, assert_queries: Callable[[int], Any]
) -> None:
    drafts = [s.draft] + [
        factories.proposal(s.call, factories.user(f"sp{i}"), title=f"Draft {i}", draft=True)
        for i in range(rows - 1)
    ]
    for p in drafts:
        models.MentoringRequest.objects.create(proposal=p, asked_at=timezone.now())
        services.match_mentor(
            call_id=s.call.pk,
            code=p.code,
            mentor_id=s.mentor.pk,
            chair_id=s.chair.pk,
            now=timezone.now(),
        )
    client = client_for(s.mentor)
    home = reverse("mentor_home", args=[s.call.slug])
    client.get(home)  # warm the session

    # session, user, role, the matched proposals, their speakers' names, navigation.
    with assert_queries(6):
        response = client.get(home)

    assert response.status_code == 200
    assert response.content.decode().count('<tr><td><a href="/mentor/') == rows
