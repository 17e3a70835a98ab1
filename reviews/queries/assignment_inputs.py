"""What the assignment engine reads about a call, in a fixed number of queries.

Everything comes back as plain values for ``reviews.domain.assignment.engine``: the live
proposals (hard-rule profile, the *redacted* text reviewers see for the affinity, and a label for
chairs' warnings), the active reviewers (settings, conflicts, expertise text), bids, and the
existing assignments with how firmly each is held (a chair's pin, a started or finished review).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain.visibility import Viewer
from reviews import models
from reviews.domain.assignment import engine
from reviews.domain.assignment.eligibility import ProposalProfile, ReviewerProfile
from reviews.queries import proposal_text


@dataclass(frozen=True, slots=True)
class AssignmentInputs:
    per_proposal: int
    proposals: tuple[ProposalProfile, ...]  # key = str(proposal id)
    reviewers: tuple[ReviewerProfile, ...]  # key = str(user id)
    existing: tuple[engine.Existing, ...]
    bids: Mapping[tuple[str, str], engine.Bid]
    proposal_texts: tuple[str, ...]  # redacted title, abstract and description, per proposal
    profile_texts: tuple[str, ...]  # topics, statement and past talks, per reviewer
    proposal_labels: Mapping[str, str]  # "K7Q2XM “Title”" as chairs see the title now
    reviewer_labels: Mapping[str, str]  # display names, leavers included
    # Issue 22: pairs placed as extra reviews (they raise their proposal's target), and the
    # consistency experiment's duplicated proposals with the secret their pools come from.
    extras: tuple[tuple[str, str], ...] = ()
    duplicated: frozenset[str] = frozenset()
    pool_salt: str = ""


def assignment_inputs(*, call_id: int, per_proposal: int | None = None) -> AssignmentInputs:
    call = cfp_models.Call.objects.values("reviews_per_proposal", "languages").get(pk=call_id)
    # The one policy module decides what chairs see in this phase (tests/policy_guard.py).
    phase = cfp_queries.call_phase(call_id=call_id)
    if phase is None:  # deleted between the two reads
        raise cfp_models.Call.DoesNotExist
    k = per_proposal or call["reviews_per_proposal"]
    reviewer_ids = list(
        cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id)
        .filter(user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    # Issue 25: a mentor never reviews a proposal they mentor(ed), and reviews nothing at all
    # when the call bars mentors from reviewing.
    if not cfp_models.Call.objects.filter(pk=call_id, mentors_may_review=True).exists():
        mentors = set(cfp_queries.member_user_ids(call_id=call_id, role=cfp_models.Role.MENTOR))
        reviewer_ids = [uid for uid in reviewer_ids if uid not in mentors]
    settings_by_user = {
        s.user_id: s for s in models.ReviewerSettings.objects.filter(call_id=call_id)
    }
    affiliations = dict(
        cfp_models.Speaker.objects.filter(user_id__in=reviewer_ids).values_list(
            "user_id", "affiliation"
        )
    )
    conflicts: dict[int, set[str]] = {}
    for pid, rid in models.Conflict.objects.filter(proposal__call_id=call_id).values_list(
        "proposal_id", "reviewer_id"
    ):
        conflicts.setdefault(rid, set()).add(str(pid))
    for pid, rid in cfp_models.MentorMatch.objects.filter(proposal__call_id=call_id).values_list(
        "proposal_id", "mentor_id"
    ):
        conflicts.setdefault(rid, set()).add(str(pid))
    expertise = {
        rid: "\n".join(part for part in (topics, statement, talks) if part)
        for rid, topics, statement, talks in models.ReviewerExpertise.objects.filter(
            call_id=call_id
        ).values_list("reviewer_id", "topics", "statement", "past_talks")
    }
    existing_rows = list(
        models.Assignment.objects.filter(proposal__call_id=call_id)
        .order_by("proposal_id", "reviewer_id")
        .values_list("proposal_id", "reviewer_id", "manual", "extra")
    )
    # Users named anywhere: reviewers now, and those who left but still hold assignments.
    user_ids = set(reviewer_ids) | {rid for _, rid, _, _ in existing_rows}
    users = {
        pk: (email or "", first or username)
        for pk, email, first, username in get_user_model()
        .objects.filter(pk__in=user_ids)
        .values_list("pk", "email", "first_name", "username")
    }
    all_languages = frozenset(call["languages"] or ["en"])
    reviewers = []
    for uid in reviewer_ids:
        st = settings_by_user.get(uid)
        reviewers.append(
            ReviewerProfile(
                key=str(uid),
                languages=frozenset(st.languages) if st and st.languages else all_languages,
                tracks=frozenset(st.tracks) if st and st.tracks else frozenset(),
                max_load=st.max_load if st else None,
                email=users[uid][0],
                affiliation=affiliations.get(uid, "") or "",
                conflicts=frozenset(conflicts.get(uid, set())),
            )
        )

    # One query for every speaker of the call (a prefetch would build an IN list of every
    # proposal id, which SQLite refuses at conference scale).
    emails: dict[int, list[str]] = {}
    speaker_affiliations: dict[int, list[str]] = {}
    for pid, email, affiliation in (
        cfp_models.ProposalSpeaker.objects.filter(proposal__call_id=call_id)
        .order_by("proposal_id", "position", "id")
        .values_list("proposal_id", "speaker__email", "speaker__affiliation")
    ):
        emails.setdefault(pid, []).append(email)
        speaker_affiliations.setdefault(pid, []).append(affiliation)
    rows = (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .order_by("submitted_at", "id")
        .annotate(
            shown_title=proposal_text.column(viewer=Viewer.REVIEWER, phase=phase, field="title"),
            shown_abstract=proposal_text.column(
                viewer=Viewer.REVIEWER, phase=phase, field="abstract"
            ),
            shown_description=proposal_text.column(
                viewer=Viewer.REVIEWER, phase=phase, field="description"
            ),
            chair_title=proposal_text.column(viewer=Viewer.CHAIR, phase=phase, field="title"),
            track_slug=F("track__slug"),
        )
        .values_list(
            "pk",
            "code",
            "language",
            "track_slug",
            "shown_title",
            "shown_abstract",
            "shown_description",
            "chair_title",
        )
    )
    proposals, texts, labels = [], [], {}
    for pid, code, language, track, title, abstract, description, chair_title in rows:
        proposals.append(
            ProposalProfile(
                key=str(pid),
                language=language,
                track=track or "",
                speaker_emails=tuple(emails.get(pid, ())),
                speaker_affiliations=tuple(speaker_affiliations.get(pid, ())),
            )
        )
        texts.append("\n".join(str(t or "") for t in (title, abstract, description)))
        labels[str(pid)] = f"{code} “{chair_title or ''}”"
    live = {p.key for p in proposals}

    finished: dict[tuple[int, int], bool] = {}
    for pid, rid, score, abstained in models.Review.objects.filter(call_id=call_id).values_list(
        "proposal_id", "reviewer_id", "score", "abstained"
    ):
        finished[(pid, rid)] = score is not None or abstained
    existing = []
    for pid, rid, manual, _extra in existing_rows:
        if str(pid) not in live:
            continue
        if manual:
            hold = engine.Hold.MANUAL
        elif (pid, rid) in finished:
            hold = engine.Hold.FINISHED if finished[(pid, rid)] else engine.Hold.STARTED
        else:
            hold = engine.Hold.MOVABLE
        existing.append(engine.Existing(str(pid), str(rid), hold))
    bids = {
        (str(pid), str(rid)): engine.Bid(level)
        for pid, rid, level in models.Bid.objects.filter(call_id=call_id).values_list(
            "proposal_id", "reviewer_id", "level"
        )
        if str(pid) in live
    }
    plan = models.ReviewPlan.objects.filter(call_id=call_id).values_list(
        "experiment_salt", flat=True
    )
    salt = next(iter(plan), "")
    duplicated = (
        frozenset(
            str(pid)
            for pid in models.DuplicatedProposal.objects.filter(call_id=call_id).values_list(
                "proposal_id", flat=True
            )
        )
        & live
        if salt
        else frozenset()
    )
    return AssignmentInputs(
        extras=tuple(
            (str(pid), str(rid))
            for pid, rid, _m, extra in existing_rows
            if extra and str(pid) in live
        ),
        duplicated=duplicated,
        pool_salt=salt,
        per_proposal=k,
        proposals=tuple(proposals),
        reviewers=tuple(reviewers),
        existing=tuple(existing),
        bids=bids,
        proposal_texts=tuple(texts),
        profile_texts=tuple(expertise.get(uid, "") for uid in reviewer_ids),
        proposal_labels=labels,
        reviewer_labels={str(uid): users[uid][1] for uid in users},
    )


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    reviewer: str  # log-in
    proposal: str  # code
    reasons: tuple[str, ...]
    extra: bool


def assignment_rows(*, call_id: int) -> list[AssignmentRow]:
    """Every assignment of the call with its stored reasons, by proposal code and log-in."""
    return [
        AssignmentRow(
            reviewer=username,
            proposal=code,
            reasons=tuple(str(r) for r in (reasons or [])),
            extra=extra,
        )
        for code, username, reasons, extra in models.Assignment.objects.filter(
            proposal__call_id=call_id
        )
        .order_by("proposal__code", "reviewer__username")
        .values_list("proposal__code", "reviewer__username", "reasons", "extra")
    ]
