"""Matching mentors to the speakers who asked (issue 25), with the assignment engine.

A thin adapter: each open, unmatched request is a "proposal" wanting one "reviewer"; the call's
mentors are the reviewers, with their languages, tracks and maximum load from their reviewer
settings when they have some (else every language of the call). The engine's hard rules do the
rest: the talk's language, never a speaker's own proposal nor a mentor the speakers asked to
replace (``excluded``), and the load (current matches count, held). Unlike reviewing, a mentor
from the speaker's own employer or e-mail domain is no conflict, so neither is passed. Its
objective puts a listed track first among equals and spreads the load. Each pair it places goes
through ``cfp.services.mentoring.match_mentor``, which audits it and mails both sides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.services import mentoring as cfp_mentoring
from reviews import models
from reviews.domain.assignment import engine
from reviews.domain.assignment.eligibility import ProposalProfile, ReviewerProfile


@dataclass(frozen=True, slots=True)
class MatchingResult:
    matched: tuple[str, ...]  # proposal codes
    unmatched: tuple[str, ...]


def _problem(*, call_id: int) -> tuple[engine.Problem, dict[str, str]]:
    call = cfp_models.Call.objects.values("languages").get(pk=call_id)
    all_languages = frozenset(call["languages"] or ["en"])
    mentor_ids = list(
        cfp_queries.members(role=cfp_models.Role.MENTOR, call_id=call_id)
        .filter(user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    prefs = {
        s.user_id: s
        for s in models.ReviewerSettings.objects.filter(call_id=call_id, user_id__in=mentor_ids)
    }
    mentors = [
        ReviewerProfile(
            key=str(uid),
            languages=frozenset(prefs[uid].languages)
            if uid in prefs and prefs[uid].languages
            else all_languages,
            tracks=frozenset(prefs[uid].tracks) if uid in prefs else frozenset(),
            max_load=prefs[uid].max_load if uid in prefs else None,
        )
        for uid in mentor_ids
    ]
    requests = list(
        cfp_models.MentoringRequest.objects.filter(
            proposal__call_id=call_id, closed_at__isnull=True
        )
        .exclude(proposal__state=cfp_models.ProposalState.WITHDRAWN)
        .annotate(
            code=F("proposal__code"),
            language=F("proposal__language"),
            track_slug=F("proposal__track__slug"),
        )
        .order_by("asked_at", "pk")
        .values_list("proposal_id", "code", "language", "track_slug")
    )
    excluded = {
        (str(pid), str(uid))
        for pid, uid in cfp_models.ProposalSpeaker.objects.filter(
            proposal__call_id=call_id,
            proposal__mentoring_request__isnull=False,
            speaker__user_id__in=mentor_ids,
        ).values_list("proposal_id", "speaker__user_id")
    }
    existing = []
    for pid, mid, ended in cfp_models.MentorMatch.objects.filter(
        proposal__call_id=call_id
    ).values_list("proposal_id", "mentor_id", "ended_at"):
        if ended is None:
            existing.append(engine.Existing(str(pid), str(mid), engine.Hold.MANUAL))
        else:
            excluded.add((str(pid), str(mid)))
    requested = {str(pid) for pid, *_ in requests}
    existing = [e for e in existing if e.proposal in requested]
    proposals = [
        ProposalProfile(
            key=str(pid),
            language=language,
            track=track or "",
        )
        for pid, _code, language, track in requests
    ]
    codes = {str(pid): code for pid, code, _l, _t in requests}
    problem = engine.Problem(
        proposals=proposals,
        reviewers=mentors,
        per_proposal=1,
        existing=tuple(existing),
        excluded=frozenset(excluded),
    )
    return problem, codes


def match_mentors(
    *, call_id: int, now: dt.datetime, site_url: str = "", chair_id: int | None = None
) -> MatchingResult:
    """Match every open request that has no mentor yet, as far as the rules allow.

    ``chair_id`` is who started the run; the matches themselves are the run's (``matched_by``
    empty), so the chairs' page tells them apart from matches made by hand.
    """
    del chair_id  # the run's audit rows name no actor: the engine placed them
    problem, codes = _problem(call_id=call_id)
    if not problem.reviewers or not codes:
        return MatchingResult(matched=(), unmatched=tuple(sorted(codes.values())))
    result = engine.solve(problem)
    matched = []
    for proposal_key, mentor_key in result.added:
        code = codes.get(proposal_key)
        if code is None:
            continue
        try:
            cfp_mentoring.match_mentor(
                call_id=call_id,
                code=code,
                mentor_id=int(mentor_key),
                chair_id=None,
                now=now,
                site_url=site_url,
            )
        except cfp_mentoring.UnableToMentor:
            continue  # changed since the run read it (a chair matched by hand meanwhile)
        matched.append(code)
    current = set(
        cfp_models.MentorMatch.objects.filter(
            proposal__call_id=call_id, ended_at__isnull=True
        ).values_list("proposal__code", flat=True)
    )
    return MatchingResult(
        matched=tuple(sorted(matched)),
        unmatched=tuple(sorted(c for c in codes.values() if c not in current)),
    )
