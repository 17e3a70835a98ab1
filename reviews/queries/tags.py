"""Tags as each member may see them: chairs all of the call's, reviewers the reviewer-visible."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from cfp.domain.visibility import Viewer
from reviews import models


@dataclass(frozen=True, slots=True)
class TagRow:
    id: int
    name: str
    reviewer_visible: bool


def _visible(viewer: Viewer) -> Q:
    return Q() if viewer is Viewer.CHAIR else Q(reviewer_visible=True)


def call_tags(*, call_id: int, viewer: Viewer) -> tuple[TagRow, ...]:
    """The call's tags this viewer sees, by name (one query)."""
    return tuple(
        TagRow(id=pk, name=name, reviewer_visible=shown)
        for pk, name, shown in models.Tag.objects.filter(_visible(viewer), call_id=call_id)
        .order_by("name", "pk")
        .values_list("pk", "name", "reviewer_visible")
    )


def proposal_tag_ids(*, proposal_id: int) -> frozenset[int]:
    """The ids of the proposal's tags (one query)."""
    return frozenset(
        models.ProposalTag.objects.filter(proposal_id=proposal_id).values_list("tag_id", flat=True)
    )


def tagged(*, tag_id: int, viewer: Viewer, proposal_ref: str = "pk") -> Exists:
    """ "Carries this tag", for a filter over proposals (``proposal_ref`` names the proposal's id
    in the outer query); a tag the viewer may not see matches nothing."""
    return Exists(
        models.ProposalTag.objects.filter(
            Q(tag__reviewer_visible=True) if viewer is not Viewer.CHAIR else Q(),
            proposal_id=OuterRef(proposal_ref),
            tag_id=tag_id,
        )
    )
