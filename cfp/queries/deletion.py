"""What deleting one row of a call's settings would touch, for the confirmation page.

A chair is told before confirming: how many proposals use a format or track (and where they can
move), how many reviews scored a criterion, how many answers a question has.
"""

from __future__ import annotations

from dataclasses import dataclass

from cfp import models

SECTIONS = ("formats", "tracks", "criteria", "questions")


@dataclass(frozen=True, slots=True)
class Target:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class DeletionImpact:
    section: str
    row_id: int
    name: str
    # Proposals (formats, tracks), reviews (criteria) or answers (questions) using the row.
    used_by: int
    # Where proposals can move instead (formats and tracks), never the row itself.
    targets: tuple[Target, ...]

    @property
    def movable(self) -> bool:
        return self.section in ("formats", "tracks")

    @property
    def refused(self) -> bool:
        """Nothing can be done before deleting: a criterion that reviews scored, or a format
        in use when there is no other format to move to."""
        if self.section == "criteria":
            return self.used_by > 0
        return self.section == "formats" and self.used_by > 0 and not self.targets


def criterion_scores(*, call_id: int, criterion_id: int) -> int:
    """How many reviews of the call hold a score for this criterion (scores are keyed by slug)."""
    slug = (
        models.Criterion.objects.filter(call_id=call_id, pk=criterion_id)
        .values_list("slug", flat=True)
        .first()
    )
    if slug is None:
        return 0
    call = models.Call.objects.get(pk=call_id)
    return int(call.reviews.filter(scores__has_key=slug).count())


def deletion_impact(*, call_id: int, section: str, row_id: int) -> DeletionImpact | None:
    """None when the call has no such row (deleted meanwhile, or another call's)."""
    rows: list[tuple[int, str]]
    if section == "formats":
        rows = list(
            models.Format.objects.filter(call_id=call_id)
            .order_by("name", "pk")
            .values_list("pk", "name")
        )
        column = "format_id"
    elif section == "tracks":
        rows = list(
            models.Track.objects.filter(call_id=call_id)
            .order_by("name", "pk")
            .values_list("pk", "name")
        )
        column = "track_id"
    elif section == "criteria":
        crit = models.Criterion.objects.filter(call_id=call_id, pk=row_id).first()
        if crit is None:
            return None
        used = criterion_scores(call_id=call_id, criterion_id=row_id)
        return DeletionImpact("criteria", row_id, crit.name, used, ())
    elif section == "questions":
        q = models.Question.objects.filter(call_id=call_id, pk=row_id).first()
        if q is None:
            return None
        return DeletionImpact("questions", row_id, q.label, q.answers.count(), ())
    else:
        return None
    names = dict(rows)
    if row_id not in names:
        return None
    used = models.Proposal.objects.filter(call_id=call_id, **{column: row_id}).count()
    targets = tuple(Target(pk, name) for pk, name in rows if pk != row_id)
    return DeletionImpact(section, row_id, names[row_id], used, targets)
