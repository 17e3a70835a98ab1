"""What speakers did after acceptance, for the chairs (issue 19): declines, edits and
withdrawals (``cfp.models.ChairNotice``), each with the next waitlisted proposal of the same
format when a slot came free. One query, whatever the number of notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.fields.json import KT

from cfp import models as cfp_models
from cfp.domain.visibility import Phase, Viewer
from reviews import models
from reviews.queries import proposal_text

# A notice of these kinds frees a slot: the chairs are shown who is next on the waiting list.
FREES_A_SLOT = (cfp_models.NoticeKind.DECLINED, cfp_models.NoticeKind.WITHDRAWN)
# The dashboard of a call with hundreds of open notices shows the newest ones.
LIMIT = 50


@dataclass(frozen=True, slots=True)
class Suggestion:
    code: str
    title: str


@dataclass(frozen=True, slots=True)
class NoticeRow:
    id: int
    kind: str
    kind_label: str
    code: str
    title: str
    format_name: str
    created_at: dt.datetime
    suggestion: Suggestion | None


def _next_waitlisted(run_id: int | None) -> cfp_models.ProposalQuerySet:
    """The waitlisted proposals of the notice's format, best calibrated rank first."""
    rank = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=OuterRef("pk")).values(
        "rank"
    )[:1]
    return (
        cfp_models.Proposal.objects.submitted()
        .filter(
            call_id=OuterRef("call_id"),
            format_id=OuterRef("proposal__format_id"),
            decision__status=models.DecisionStatus.WAITLISTED,
        )
        .annotate(s_rank=Subquery(rank))
        .order_by(F("s_rank").asc(nulls_last=True), "code")
    )


def open_notices(*, call_id: int, run_id: int | None, phase: Phase) -> tuple[NoticeRow, ...]:
    """The notices no chair dismissed yet, newest first, titles as this chair may read them."""
    nxt = _next_waitlisted(run_id)
    rows = (
        cfp_models.ChairNotice.objects.filter(call_id=call_id, dismissed_at__isnull=True)
        .annotate(
            next_code=Subquery(nxt.values("code")[:1], output_field=CharField()),
            next_title=Subquery(nxt.values("title")[:1], output_field=CharField()),
            next_redacted=Subquery(
                nxt.annotate(t=KT("redacted__title")).values("t")[:1], output_field=CharField()
            ),
        )
        .order_by("-created_at", "-pk")
        .values(
            "pk",
            "kind",
            "created_at",
            "proposal__code",
            "proposal__title",
            "proposal__redacted__title",
            "proposal__format__name",
            "next_code",
            "next_title",
            "next_redacted",
        )[:LIMIT]
    )
    labels = dict(cfp_models.NoticeKind.choices)
    out = []
    for r in rows:
        suggestion = None
        if r["kind"] in FREES_A_SLOT and r["next_code"]:
            suggestion = Suggestion(
                code=r["next_code"],
                title=proposal_text.pick(
                    viewer=Viewer.CHAIR,
                    phase=phase,
                    field="title",
                    raw=r["next_title"],
                    redacted={"title": r["next_redacted"]},
                ),
            )
        out.append(
            NoticeRow(
                id=r["pk"],
                kind=r["kind"],
                kind_label=str(labels.get(r["kind"], r["kind"])),
                code=r["proposal__code"],
                title=proposal_text.pick(
                    viewer=Viewer.CHAIR,
                    phase=phase,
                    field="title",
                    raw=r["proposal__title"],
                    redacted={"title": r["proposal__redacted__title"]},
                ),
                format_name=r["proposal__format__name"],
                created_at=r["created_at"],
                suggestion=suggestion,
            )
        )
    return tuple(out)
