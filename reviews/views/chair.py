"""Chair views: dashboard, reminders, aggregation controls, assignment, shortlist and exports."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.render import page, user_id
from reviews import chair_queries, exports, forms, queries, services
from reviews.access import CHAIR, role_required

# The dashboard previews the top of the ranking; the shortlist page has all of it.
TOP_ROWS = 50
# While a recomputation is on its way, the dashboard shows the last snapshot's counts if they
# are at most this old (a save wakes the worker within AGGREGATION_COALESCE_SECONDS).
PROGRESS_MAX_LAG = dt.timedelta(seconds=60)


def _blind(access: queries.CallAccess) -> bool:
    """Chairs see redacted titles and no programme attributes until identities are revealed."""
    return access.chairs_blind and not access.identities_revealed


def _partial(request: HttpRequest, name: str) -> str | None:
    # htmx restoring history after "back" needs the whole page, not the fragment.
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.history_restore_request:
        return None
    return name


# --- dashboard ------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def dashboard(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    return _dashboard(request, access)


def _dashboard(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    snapshot = queries.snapshot_state(call_id=access.call_id)
    # The counts the last snapshot stored, when they may stand for the live ones: counting
    # 50,000 reviews and assignments on every view is what made this page slow.
    stored = snapshot.stored_progress(now=timezone.now(), max_lag=PROGRESS_MAX_LAG) or None
    context = {
        # The page needs the call's name, slug and reviews per proposal: the access check
        # read them already.
        "call": access,
        "progress": chair_queries.call_progress(
            call_id=access.call_id,
            reviews_per_proposal=access.reviews_per_proposal,
            stored=stored,
        ),
        "reviewers": chair_queries.reviewer_progress(
            call_id=access.call_id, today=timezone.localdate(), stored=stored
        ),
        # Shown with the counts while a recomputation is on its way.
        "progress_as_of": (
            dt.datetime.fromisoformat(stored["at"]) if stored and snapshot.busy else None
        ),
        "snapshot": snapshot,
        "computing": services.aggregation_progress(call_id=access.call_id),
        "rows": chair_queries.top_rows(
            call_id=access.call_id,
            run_id=snapshot.current.id if snapshot.current else None,
            blind=_blind(access),
            limit=TOP_ROWS,
        ),
        "top": TOP_ROWS,
    }
    return page(request, "reviews/dashboard.html", context)


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def aggregation_status(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        # Only htmx polls this address; a plain visit gets the whole dashboard.
        return _dashboard(request, access)
    return _aggregation_partial(request, access)


def _aggregation_partial(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    return page(
        request,
        "reviews/dashboard.html",
        {
            "call": access,
            "snapshot": queries.snapshot_state(call_id=access.call_id),
            "computing": services.aggregation_progress(call_id=access.call_id),
        },
        partial="aggregation",
    )


@require_POST
@role_required(CHAIR)
def aggregate(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    services.request_aggregation(call_id=access.call_id, now=timezone.now(), soon=True)
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


@require_POST
@role_required(CHAIR)
def remind(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    """Send one reviewer a reminder e-mail (at most one a day per reviewer)."""
    form = forms.ReminderForm(request.POST)
    level, text = messages.ERROR, _("Choose a reviewer to remind.")
    if form.is_valid():
        try:
            outcome = services.request_reminder(
                call_id=access.call_id,
                reviewer_id=form.cleaned_data["reviewer"],
                queue_url=request.build_absolute_uri(reverse("reviews:queue", args=[access.slug])),
                now=timezone.now(),
            )
        except services.UnableToRemind as exc:
            text = str(exc)
        else:
            level = messages.SUCCESS
            text = _("A reminder is on its way to %(name)s (%(n)s open reviews).") % {
                "name": outcome.name,
                "n": outcome.open,
            }
    if request.htmx:  # type: ignore[attr-defined]
        return page(
            request,
            "reviews/dashboard.html",
            {
                "call": access,
                "reviewers": chair_queries.reviewer_progress(
                    call_id=access.call_id, today=timezone.localdate()
                ),
                "notice": text,
                "notice_ok": level == messages.SUCCESS,
            },
            partial="reviewers",
        )
    messages.add_message(request, level, text)
    return redirect(reverse("chair:dashboard", args=[access.slug]) + "#reviewers")


# --- ranking and shortlist ------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def shortlist(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    blind = _blind(access)
    frame = chair_queries.shortlist_frame(call_id=access.call_id)
    form = forms.ShortlistForm(
        request.GET,
        formats=tuple((f.slug, f.name) for f in frame.formats),
        tracks=tuple((t.slug, t.name) for t in frame.tracks),
        languages=frame.languages,
        levels=chair_queries.LEVEL_CHOICES,
        decisions=chair_queries.DECISION_CHOICES,
        programme=not blind,
    )
    sort = form.sort_order()
    result = chair_queries.shortlist_page(
        call_id=access.call_id,
        frame=frame,
        blind=blind,
        filters_data=form.filters(),
        sort=sort,
        page=forms.page_number(request.GET.get("page")),
        per_page=form.rows_per_page(),
    )
    return page(
        request,
        "reviews/shortlist.html",
        {
            "call": access,
            "blind": blind,
            "frame": frame,
            "form": form,
            "sort": sort,
            "result": result,
        },
        partial=_partial(request, "results"),
    )


# --- exports --------------------------------------------------------------------------------


def _filename(access: queries.CallAccess, kind: str) -> str:
    return f"{access.slug}-shortlist.{kind}"


def _rows(access: queries.CallAccess) -> tuple[tuple[str, ...], Iterator[dict[str, object]]]:
    revealed = not _blind(access)
    return (
        exports.columns(revealed=revealed),
        exports.shortlist_rows(call_id=access.call_id, revealed=revealed),
    )


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def export_csv(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    header, rows = _rows(access)
    response = StreamingHttpResponse(
        exports.csv_chunks(header=header, rows=rows), content_type=exports.CONTENT_TYPES["csv"]
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(access, "csv")}"'
    return response  # type: ignore[return-value]


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def export_json(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    header, rows = _rows(access)
    response = StreamingHttpResponse(
        exports.json_chunks(header=header, rows=rows), content_type=exports.CONTENT_TYPES["json"]
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(access, "json")}"'
    return response  # type: ignore[return-value]


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def export_xlsx(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    # A workbook is a zip file with a directory at its end, so it cannot be streamed as it is
    # written: write it to an unnamed temporary file (constant memory) and stream that.
    header, rows = _rows(access)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exports.write_xlsx(header=header, rows=rows, target=target)
    target.seek(0)
    return FileResponse(  # type: ignore[return-value]
        target,
        as_attachment=True,
        filename=_filename(access, "xlsx"),
        content_type=exports.CONTENT_TYPES["xlsx"],
    )
