"""Reading a proposal's discussion, and who has new posts to hear about (the daily digest)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import visibility
from cfp.domain.visibility import Phase, Viewer
from reviews import models
from reviews.queries import others_reviews


@dataclass(frozen=True, slots=True)
class PostView:
    author: str  # "You", "Chair", "Reviewer B", "A former reviewer"
    mine: bool
    text: str
    held_back: bool  # names in it are held back from others (its writer is told)
    created_at: dt.datetime


def posts(
    *, proposal_id: int, viewer: Viewer, viewer_id: int, phase: Phase
) -> tuple[PostView, ...]:
    """The thread's posts, oldest first, as this member reads them (two queries)."""
    letters = others_reviews.reviewer_letters(proposal_id=proposal_id)
    rows = (
        models.Post.objects.filter(thread__proposal_id=proposal_id)
        .order_by("created_at", "id")
        .values_list("author_id", "author_is_chair", "body", "shown", "held_back", "created_at")
    )
    out = []
    for author_id, is_chair, body, shown, held_back, created_at in rows:
        mine = author_id == viewer_id
        if mine:
            author = "You"
        elif is_chair:
            author = "Chair"
        elif author_id in letters:
            author = others_reviews.reviewer_label(letters[author_id])
        else:
            author = "A former reviewer"
        out.append(
            PostView(
                author=author,
                mine=mine,
                text=visibility.committee_text(
                    viewer=viewer, phase=phase, is_author=mine, raw=body, shown=shown
                ),
                held_back=held_back,
                created_at=created_at,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class DigestItem:
    call_id: int
    call_name: str
    slug: str
    user_id: int
    email: str
    code: str
    posts: int


def digest_items(*, since: dt.datetime) -> tuple[DigestItem, ...]:
    """Per reviewer and proposal: posts by others since ``since`` in a thread they may read
    (assigned, a reviewer of the call, own review in, call not archived). One query, ordered by
    call, person and code."""
    new_posts = models.Post.objects.filter(
        thread__proposal_id=OuterRef("proposal_id"), created_at__gt=since
    ).exclude(author_id=OuterRef("reviewer_id"))
    counted = Subquery(
        new_posts.order_by().values("thread_id").annotate(c=Count("id")).values("c")[:1],
        output_field=IntegerField(),
    )
    rows = (
        models.Assignment.objects.filter(
            Exists(new_posts),
            Exists(
                models.Review.objects.filter(
                    proposal_id=OuterRef("proposal_id"), reviewer_id=OuterRef("reviewer_id")
                )
            ),
            Exists(
                cfp_queries.members(
                    role=cfp_models.Role.REVIEWER,
                    call_id=OuterRef("proposal__call_id"),
                    user_id=OuterRef("reviewer_id"),
                )
            ),
            proposal__call__archived_at__isnull=True,
        )
        .annotate(n=counted)
        .values(
            "proposal__call_id",
            "proposal__call__name",
            "proposal__call__slug",
            "reviewer_id",
            "reviewer__email",
            "proposal__code",
            "n",
        )
        .order_by("proposal__call_id", "reviewer_id", "proposal__code")
    )
    return tuple(
        DigestItem(
            call_id=r["proposal__call_id"],
            call_name=r["proposal__call__name"],
            slug=r["proposal__call__slug"],
            user_id=r["reviewer_id"],
            email=r["reviewer__email"],
            code=r["proposal__code"],
            posts=r["n"] or 0,
        )
        for r in rows
        if r["reviewer__email"]
    )


@dataclass(frozen=True, slots=True)
class DigestPreference:
    call_id: int
    call_slug: str
    call_name: str
    enabled: bool


def digest_preferences(*, user_id: int) -> tuple[DigestPreference, ...]:
    """The digest choice for each live call the person reviews for (one query)."""
    off = models.ReviewerSettings.objects.filter(
        call_id=OuterRef("call_id"), user_id=user_id, discussion_digest=False
    )
    rows = (
        cfp_queries.members(role=cfp_models.Role.REVIEWER, user_id=user_id)
        .filter(call__archived_at__isnull=True)
        .annotate(off=Exists(off))
        .order_by("call__name", "call_id")
        .values_list("call_id", "call__slug", "call__name", "off")
    )
    return tuple(
        DigestPreference(call_id=cid, call_slug=slug, call_name=name, enabled=not is_off)
        for cid, slug, name, is_off in rows
    )
