"""Chair views: dashboard, aggregation controls, assignment and exports."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.csvsafe import neutralise
from common.render import page, user_id
from reviews import forms, queries, services
from reviews.access import CHAIR, role_required
from reviews.access import call_or_404 as _call


def _dashboard_context(access: queries.CallAccess) -> dict[str, object]:
    call = _call(access.slug)
    stats = queries.chair_stats(
        call_id=access.call_id, reviews_per_proposal=access.reviews_per_proposal
    )
    rows, total = queries.ranking(
        call_id=access.call_id, blind=not call.chairs_see_identities, limit=50
    )
    return {
        "call": call,
        "stats": stats,
        "rows": rows,
        "total": total,
        "snapshot": queries.snapshot_state(call_id=access.call_id),
        "progress": services.aggregation_progress(call_id=access.call_id),
    }


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def dashboard(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    return page(request, "reviews/dashboard.html", _dashboard_context(access))


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def aggregation_status(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    return _aggregation_partial(request, access)


def _aggregation_partial(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    return page(
        request,
        "reviews/dashboard.html",
        {
            "call": _call(access.slug),
            "snapshot": queries.snapshot_state(call_id=access.call_id),
            "progress": services.aggregation_progress(call_id=access.call_id),
        },
        partial="aggregation",
    )


@require_POST
@role_required(CHAIR)
def aggregate(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    services.request_aggregation(call_id=access.call_id, now=timezone.now())
    if request.htmx:  # type: ignore[attr-defined]
        return _aggregation_partial(request, access)
    messages.success(request, _("Aggregation started. The numbers refresh when it is done."))
    return redirect("chair:dashboard", slug=access.slug)


@require_POST
@role_required(CHAIR)
def assign(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reviews per proposal must be a number from 1 to 20."))
        return redirect("chair:dashboard", slug=access.slug)
    outcome = services.assign_reviewers(
        call_id=access.call_id,
        per_proposal=form.cleaned_data.get("per_proposal"),
        actor_id=user_id(request),
        now=timezone.now(),
    )
    messages.success(request, _("%(n)s new assignments.") % {"n": outcome.created})
    for s in outcome.shortfalls[:10]:
        messages.warning(
            request,
            _("A proposal got %(got)s of %(wanted)s reviewers: %(why)s")
            % {"got": s.got, "wanted": s.wanted, "why": "; ".join(s.reasons)},
        )
    if len(outcome.shortfalls) > 10:
        messages.warning(
            request,
            _("%(n)s more proposals are short of reviewers.") % {"n": len(outcome.shortfalls) - 10},
        )
    return redirect("chair:dashboard", slug=access.slug)


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_COLUMNS = (
    "rank",
    "code",
    "external_id",
    "title",
    "format",
    "track",
    "language",
    "decision",
    "reviews",
    "mean",
    "median",
    "calibrated",
    "interval_low",
    "interval_high",
    "p_in_slots",
    "flags",
)


def _export_rows(call_id: int, blind: bool) -> Iterator[list[object]]:
    yield list(EXPORT_COLUMNS)
    for r in queries.iter_ranking(call_id=call_id, blind=blind):
        yield [
            neutralise(v)
            for v in (
                r.rank,
                r.code,
                r.external_id,
                r.title,
                r.format_name,
                r.track_name,
                r.language,
                r.decision,
                r.review_count,
                r.mean,
                r.median,
                r.calibrated,
                r.low,
                r.high,
                r.p_in_slots,
                " ".join(r.flags),
            )
        ]


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def export_csv(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    call = _call(access.slug)
    writer = csv.writer(_Echo())
    rows = (
        writer.writerow(row) for row in _export_rows(access.call_id, not call.chairs_see_identities)
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.slug}-proposals.csv"'
    return response  # type: ignore[return-value]
