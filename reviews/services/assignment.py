"""Assigning reviewers: fill every live proposal's gaps, keeping the assignments made before.

The plan is ``reviews.domain.assignment`` (conflicts, languages, tracks, loads); this module reads
its inputs in a fixed number of queries and writes the new rows in bulk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from common.stats import analyze_after_bulk_load
from reviews import models
from reviews.domain import assignment as assignment_domain
from reviews.services import aggregation


class UnableToAssign(Exception):
    pass


@dataclass(frozen=True, slots=True)
class AssignmentOutcome:
    created: int
    shortfalls: tuple[assignment_domain.Shortfall, ...]


@transaction.atomic
def assign_reviewers(
    *,
    call_id: int,
    per_proposal: int | None,
    actor_id: int | None,
    now: dt.datetime,
    recompute: bool = True,
) -> AssignmentOutcome:
    call = cfp_models.Call.objects.select_for_update(no_key=True).get(pk=call_id)
    k = per_proposal or call.reviews_per_proposal
    if k < 1:
        raise UnableToAssign(_("Each proposal needs at least one reviewer."))
    reviewer_ids = list(
        cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id)
        .filter(user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    settings_by_user = {
        s.user_id: s for s in models.ReviewerSettings.objects.filter(call_id=call_id)
    }
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=reviewer_ids)}
    speakers = {
        s.user_id: s
        for s in cfp_models.Speaker.objects.filter(user_id__in=reviewer_ids)
        if s.user_id is not None
    }
    conflicts: dict[int, set[str]] = {}
    for pid, rid in models.Conflict.objects.filter(proposal__call_id=call_id).values_list(
        "proposal_id", "reviewer_id"
    ):
        conflicts.setdefault(rid, set()).add(str(pid))
    all_languages = frozenset(call.languages or ["en"])
    reviewers = []
    for uid in reviewer_ids:
        st = settings_by_user.get(uid)
        user = users[uid]
        sp = speakers.get(uid)
        reviewers.append(
            assignment_domain.ReviewerProfile(
                key=str(uid),
                languages=frozenset(st.languages) if st and st.languages else all_languages,
                tracks=frozenset(st.tracks) if st and st.tracks else frozenset(),
                max_load=st.max_load if st else None,
                email=getattr(user, "email", "") or "",
                affiliation=sp.affiliation if sp else "",
                conflicts=frozenset(conflicts.get(uid, set())),
            )
        )
    # One query for every speaker of the call (a prefetch would build an IN list of every
    # proposal id, which SQLite refuses at conference scale).
    emails: dict[int, list[str]] = {}
    affiliations: dict[int, list[str]] = {}
    for pid, email, affiliation in (
        cfp_models.ProposalSpeaker.objects.filter(proposal__call_id=call_id)
        .order_by("proposal_id", "position", "id")
        .values_list("proposal_id", "speaker__email", "speaker__affiliation")
    ):
        emails.setdefault(pid, []).append(email)
        affiliations.setdefault(pid, []).append(affiliation)
    proposals = [
        assignment_domain.ProposalProfile(
            key=str(pid),
            language=language,
            track=track or "",
            speaker_emails=tuple(emails.get(pid, ())),
            speaker_affiliations=tuple(affiliations.get(pid, ())),
        )
        for pid, language, track in cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .order_by("submitted_at", "id")
        .values_list("pk", "language", "track__slug")
    ]
    existing = [
        (str(pid), str(rid))
        for pid, rid in models.Assignment.objects.filter(proposal__call_id=call_id).values_list(
            "proposal_id", "reviewer_id"
        )
    ]
    plan = assignment_domain.assign(
        proposals=proposals, reviewers=reviewers, per_proposal=k, existing=existing
    )
    models.Assignment.objects.bulk_create(
        [
            models.Assignment(proposal_id=int(p), reviewer_id=int(r), created_at=now)
            for p, r in plan.new
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    analyze_after_bulk_load(models.Assignment, rows=len(plan.new))
    cfp_models.AuditEvent.objects.create(
        call=call,
        actor_id=actor_id,
        action="reviewers.assigned",
        data={"created": len(plan.new), "short": len(plan.shortfalls), "per_proposal": k},
        created_at=now,
    )
    if plan.new and recompute:
        # The snapshot counts assignments (completion, under-reviewed flags, the dashboard's
        # stored progress): new ones call for a new snapshot. The seed decides for itself.
        aggregation.request_aggregation(call_id=call_id, now=now)
    return AssignmentOutcome(created=len(plan.new), shortfalls=plan.shortfalls)
