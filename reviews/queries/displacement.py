"""The displacement report: the blind ranking against the programme the chairs decided.

Returns frozen dataclasses, never ORM objects, with the bar chart's geometry computed (CSP forbids
inline styles). Titles and programme attributes are what the blindness policy shows a chair.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfp import models as cfp_models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import models
from reviews.domain import curation as rules
from reviews.queries import decisions, proposal_text


@dataclass(frozen=True, slots=True)
class DisplacementRow:
    code: str
    title: str
    format_name: str
    rank: int | None
    format_rank: int
    status: str
    status_label: str
    position: int | None
    places: int
    reason: str
    first_time: bool
    english_additional: bool


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    proposals: int
    places: int
    y: int
    width: int
    label_y: int


@dataclass(frozen=True, slots=True)
class AttributeRow:
    label: str
    blind_top: int
    programme: int
    moved_up: int
    pushed_out: int


@dataclass(frozen=True, slots=True)
class DisplacementReport:
    ranked: bool
    with_attributes: bool
    rows: tuple[DisplacementRow, ...]
    accepted: int
    moved_up: int
    pushed_out: int
    places: int
    bars: tuple[Bar, ...]
    chart_height: int
    attributes: tuple[AttributeRow, ...]


BAR_HEIGHT = 24
CHART_WIDTH = 360

_ATTRIBUTE_LABELS = {
    "first_time": gettext_lazy("First-time speakers"),
    "english_additional": gettext_lazy("English as an additional language"),
}


def displacement(*, call_id: int, run_id: int | None, phase: Phase) -> DisplacementReport:
    """Blind ranking against the accepted set, per format.

    Titles and programme attributes are what the blindness policy shows a chair in ``phase``.
    """
    attributes_shown = visibility.sees(
        viewer=Viewer.CHAIR, part=Part.PROGRAMME_ATTRIBUTES, phase=phase
    )
    score = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=OuterRef("pk"))
    decision = models.Decision.objects.filter(proposal_id=OuterRef("pk"))
    last_reason = models.DecisionChange.objects.filter(proposal_id=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    speakers = cfp_models.ProposalSpeaker.objects.filter(proposal_id=OuterRef("pk"))
    qs = (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .annotate(
            s_rank=Subquery(score.values("rank")[:1]),
            d_status=Subquery(decision.values("status")[:1]),
            d_reason=Subquery(last_reason.values("reason")[:1]),
        )
        .select_related("format")
        .order_by("submitted_at", "id")
    )
    if attributes_shown:
        qs = qs.annotate(
            a_first=Exists(speakers.filter(speaker__spoken_before=False)),
            a_english=Exists(speakers.filter(speaker__english_additional=True)),
        )
    titles: dict[str, tuple[str, str]] = {}
    placed: list[rules.Placed] = []
    for p in qs.iterator(chunk_size=2000):
        title = proposal_text.pick(
            viewer=Viewer.CHAIR, phase=phase, field="title", raw=p.title, redacted=p.redacted
        )
        titles[p.code] = (title, p.format.name)
        placed.append(
            rules.Placed(
                key=p.code,
                group=str(p.format_id),
                rank=getattr(p, "s_rank", None) if run_id is not None else None,
                status=getattr(p, "d_status", None) or rules.UNDECIDED,
                reason=getattr(p, "d_reason", None) or "",
                first_time=bool(getattr(p, "a_first", False)),
                english_additional=bool(getattr(p, "a_english", False)),
            )
        )
    report = rules.displacement(placed)
    widest = max((t.places for t in report.by_reason), default=0) or 1
    bars = tuple(
        Bar(
            label=decisions.reason_label(t.label) or _("No reason (blind or in order)"),
            proposals=t.proposals,
            places=t.places,
            y=i * (BAR_HEIGHT + 8),
            width=max(1, round(CHART_WIDTH * t.places / widest)) if t.places else 0,
            label_y=i * (BAR_HEIGHT + 8) + BAR_HEIGHT - 7,
        )
        for i, t in enumerate(report.by_reason)
    )
    return DisplacementReport(
        ranked=run_id is not None,
        with_attributes=attributes_shown,
        rows=tuple(
            DisplacementRow(
                code=m.key,
                title=titles[m.key][0],
                format_name=titles[m.key][1],
                rank=m.rank,
                format_rank=m.group_rank,
                status=m.status,
                status_label=decisions.status_label(m.status),
                position=m.position,
                places=m.places,
                reason=decisions.reason_label(m.reason),
                first_time=m.first_time and attributes_shown,
                english_additional=m.english_additional and attributes_shown,
            )
            for m in report.moves
            # Proposals that kept their place outside the programme are not part of the story.
            if m.status == rules.ACCEPTED or m.places
        ),
        accepted=report.accepted,
        moved_up=report.moved_up,
        pushed_out=report.pushed_out,
        places=report.places,
        bars=bars,
        chart_height=max(len(bars), 1) * (BAR_HEIGHT + 8),
        attributes=()
        if not attributes_shown
        else tuple(
            AttributeRow(
                label=str(_ATTRIBUTE_LABELS[a.label]),
                blind_top=a.blind_top,
                programme=a.programme,
                moved_up=a.moved_up,
                pushed_out=a.pushed_out,
            )
            for a in report.by_attribute
        ),
    )
