"""Who holds which role in which call, and where a call stands on blindness: the one read of both.

Every other module asks here instead of reading the membership table or the call's blind/reveal
columns itself (``tests/policy_guard.py`` checks): views get a :class:`CallMembership` from
``cfp.access``; exports, commands, tasks and reports without one ask :func:`call_phase`; queries
that need "the reviewers of this call" filter with :func:`members` or :func:`member_user_ids`.
What a phase means for each part of a proposal is decided by ``cfp.domain.visibility``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet

from cfp import models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Shown, Viewer

# A call or a user named by id, or by a reference to the outer query of a subquery.
IdOrRef = int | OuterRef


def phase_of(call: models.Call) -> Phase:
    """The blindness phase of a call row the caller has loaded (no query)."""
    return Phase(
        chairs_blind=call.chairs_blind,
        identities_revealed=call.identities_revealed_at is not None,
    )


def call_phase(*, call_id: int | None = None, slug: str | None = None) -> Phase | None:
    """A call's blindness phase, by id or slug (one query); None if there is no such call.

    For the readers that have no membership at hand: exports, commands, tasks and reports.
    """
    if (call_id is None) == (slug is None):
        raise TypeError("call_phase takes exactly one of call_id and slug")
    rows = models.Call.objects.filter(Q(pk=call_id) if slug is None else Q(slug=slug))
    row = rows.values_list("chairs_blind", "identities_revealed_at").first()
    if row is None:
        return None
    return Phase(chairs_blind=row[0], identities_revealed=row[1] is not None)


def viewer_for(role: str) -> Viewer:
    """The policy's viewer for a per-call role."""
    if role == models.Role.MENTOR:
        return Viewer.MENTOR
    return Viewer.CHAIR if role == models.Role.CHAIR else Viewer.REVIEWER


@dataclass(frozen=True, slots=True)
class CallMembership:
    """A call as one of its members (chair or reviewer) sees it: what every guarded view needs."""

    call_id: int
    slug: str
    name: str
    role: str
    timezone: str
    closes_at: dt.datetime
    reviews_per_proposal: int
    phase: Phase

    @property
    def id(self) -> int:
        return self.call_id

    @property
    def viewer(self) -> Viewer:
        return viewer_for(self.role)

    def shown(self, part: Part) -> Shown:
        """How ``part`` of this call's proposals is shown to this member now."""
        return visibility.shown(viewer=self.viewer, part=part, phase=self.phase)

    def sees(self, part: Part) -> bool:
        return visibility.sees(viewer=self.viewer, part=part, phase=self.phase)

    def pick(self, part: Part, *, raw: str, redacted: str) -> str:
        return visibility.pick(
            viewer=self.viewer, part=part, phase=self.phase, raw=raw, redacted=redacted
        )


def call_membership(*, user_id: int, slug: str, role: str) -> CallMembership | None:
    """The call if this person holds this role in it and it is not archived (one query).

    None otherwise, so views answer 404 and do not reveal that the call exists.
    """
    row = (
        models.Membership.objects.filter(
            user_id=user_id, call__slug=slug, role=role, call__archived_at__isnull=True
        )
        .select_related("call")
        .first()
    )
    if row is None:
        return None
    c = row.call
    return CallMembership(
        call_id=c.pk,
        slug=c.slug,
        name=c.name,
        role=row.role,
        timezone=c.timezone,
        closes_at=c.closes_at,
        reviews_per_proposal=c.reviews_per_proposal,
        phase=phase_of(c),
    )


def members(
    *, role: str, call_id: IdOrRef | None = None, user_id: IdOrRef | None = None
) -> QuerySet[models.Membership]:
    """The role's memberships, narrowed to a call and/or a person (ids or ``OuterRef``s).

    A queryset the caller may annotate, count, wrap in ``Exists`` or read ``pk``/``user_id`` of.
    Archived calls are included: callers that care filter on the call.
    """
    rows = models.Membership.objects.filter(role=role)
    # Q: the stubs type a lookup's value as a plain id, and these may be outer references.
    if call_id is not None:
        rows = rows.filter(Q(call_id=call_id))
    if user_id is not None:
        rows = rows.filter(Q(user_id=user_id))
    return rows


def member_user_ids(*, call_id: IdOrRef, role: str) -> QuerySet[models.Membership, int]:
    """The ids of the people holding ``role`` in the call, for ``filter(user_id__in=...)``."""
    return members(role=role, call_id=call_id).values_list("user_id", flat=True)


@dataclass(frozen=True, slots=True)
class CallRoleRef:
    slug: str
    name: str
    roles: frozenset[str]


def roles_by_call(*, user_id: int) -> tuple[CallRoleRef, ...]:
    """The person's roles in each call that is not archived, by slug (one query)."""
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = models.Membership.objects.filter(user_id=user_id, call__archived_at__isnull=True)
    for slug, name, role in rows.values_list("call__slug", "call__name", "role"):
        roles[(slug, name)].add(role)
    return tuple(
        CallRoleRef(slug=slug, name=name, roles=frozenset(r))
        for (slug, name), r in sorted(roles.items())
    )
