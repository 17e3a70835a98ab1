"""Chair pages: the dashboard (progress, reminders, aggregation, assignment), the shortlist and
its exports.

Each view: check access → parse → at most one service call → query → render. What a chair sees
of the proposals follows the blindness policy through the call's phase (``member.phase``).
"""

from __future__ import annotations

import datetime as dt
import tempfile

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cfp import access
from cfp import queries as cfp_queries
from cfp.domain.visibility import Part, Shown, Viewer
from common.htmx import wants_fragment
from common.render import page, user_id
from reviews.domain import shortlist as shortlist_rules
from reviews.domain import spreadsheets
from reviews.forms import chair as forms
from reviews.forms import curation as curation_forms
from reviews.queries import dashboard, exports, notices, shortlist, snapshot
from reviews.services import aggregation, assignment, reminders
from reviews.templatetags import assignment_reasons as reason_text

# The dashboard previews the top of the ranking; the shortlist page has all of it.
TOP_ROWS = 50
# While a recomputation is on its way, the dashboard shows the last snapshot's counts if they
# are at most this old (a save wakes the worker within AGGREGATION_COALESCE_SECONDS).
PROGRESS_MAX_LAG = dt.timedelta(seconds=60)


# --- dashboard ------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def dashboard_page(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    return _dashboard(request, member)


def _dashboard(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    # The mentoring counts (issue 25) ride on the snapshot's call-row query: no query of their own.
    state, mentoring = snapshot.snapshot_state_with_mentoring(call_id=member.call_id)
    # The counts the last snapshot stored, when they may stand for the live ones: counting
    # 50,000 reviews and assignments on every view is what made this page slow.
    stored = state.stored_progress(now=timezone.now(), max_lag=PROGRESS_MAX_LAG) or None
    context = {
        # The page needs the call's name, slug and reviews per proposal: the access check
        # read them already.
        "call": member,
        "progress": dashboard.call_progress(
            call_id=member.call_id,
            reviews_per_proposal=member.reviews_per_proposal,
            stored=stored,
        ),
        "reviewers": dashboard.reviewer_progress(
            call_id=member.call_id, today=timezone.localdate(), stored=stored
        ),
        # Shown with the counts while a recomputation is on its way.
        "progress_as_of": (
            dt.datetime.fromisoformat(stored["at"]) if stored and state.busy else None
        ),
        "snapshot": state,
        "computing": aggregation.aggregation_progress(call_id=member.call_id),
        "rows": shortlist.top_rows(
            call_id=member.call_id,
            run_id=state.current.id if state.current else None,
            phase=member.phase,
            limit=TOP_ROWS,
        ),
        "top": TOP_ROWS,
        "mentoring": mentoring,
    }
    return page(request, "reviews/dashboard.html", context)


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def aggregation_status(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    if not wants_fragment(request):
        # Only htmx polls this address; a plain visit (or a swap of <main>) gets the dashboard.
        return _dashboard(request, member)
    return _aggregation_partial(request, member)


def _aggregation_partial(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    return page(
        request,
        "reviews/dashboard.html",
        {
            "call": member,
            "snapshot": snapshot.snapshot_state(call_id=member.call_id),
            "computing": aggregation.aggregation_progress(call_id=member.call_id),
        },
        partial="aggregation",
    )


@require_POST
@access.chair_required
def aggregate(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    aggregation.request_aggregation(call_id=member.call_id, now=timezone.now(), soon=True)
    # A fragment only for a swap of its own box: a boosted form wants the page (a redirect).
    if wants_fragment(request):
        return _aggregation_partial(request, member)
    messages.success(request, _("Aggregation started. The numbers refresh when it is done."))
    return redirect("chair:dashboard", slug=member.slug)


@require_POST
@access.chair_required
def assign(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reviews per proposal must be a number from 1 to 20."))
        return redirect("chair:dashboard", slug=member.slug)
    outcome = assignment.assign_reviewers(
        call_id=member.call_id,
        per_proposal=form.cleaned_data.get("per_proposal"),
        actor_id=user_id(request),
        now=timezone.now(),
    )
    messages.success(request, _("%(n)s new assignments.") % {"n": outcome.created})
    for s in outcome.shortfalls[:10]:
        messages.warning(
            request,
            # Names the proposal by code and title, as chairs see it now (issue 23).
            reason_text.shortfall_warning(s),
        )
    if len(outcome.shortfalls) > 10:
        messages.warning(
            request,
            _("%(n)s more proposals are short of reviewers.") % {"n": len(outcome.shortfalls) - 10},
        )
    return redirect("chair:dashboard", slug=member.slug)


@require_POST
@access.chair_required
def remind(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    """Send one reviewer a reminder e-mail (at most one a day per reviewer)."""
    form = forms.ReminderForm(request.POST)
    level, text = messages.ERROR, _("Choose a reviewer to remind.")
    if form.is_valid():
        try:
            outcome = reminders.request_reminder(
                call_id=member.call_id,
                reviewer_id=form.cleaned_data["reviewer"],
                queue_url=request.build_absolute_uri(reverse("reviews:queue", args=[member.slug])),
                now=timezone.now(),
            )
        except reminders.UnableToRemind as exc:
            text = str(exc)
        else:
            level = messages.SUCCESS
            text = _("A reminder is on its way to %(name)s (%(n)s open reviews).") % {
                "name": outcome.name,
                "n": outcome.open,
            }
    if wants_fragment(request):
        return page(
            request,
            "reviews/dashboard.html",
            {
                "call": member,
                "reviewers": dashboard.reviewer_progress(
                    call_id=member.call_id, today=timezone.localdate()
                ),
                "notice": text,
                "notice_ok": level == messages.SUCCESS,
            },
            partial="reviewers",
        )
    messages.add_message(request, level, text)
    return redirect(reverse("chair:dashboard", args=[member.slug]) + "#reviewers")


# --- ranking and shortlist ------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def shortlist_page(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    return render_shortlist(request, member)


def shortlist_filter_form(
    request: HttpRequest, member: cfp_queries.CallMembership, frame: shortlist.ShortlistFrame
) -> forms.ShortlistForm:
    return forms.ShortlistForm(
        request.GET,
        formats=tuple((f.slug, f.name) for f in frame.formats),
        tracks=tuple((t.slug, t.name) for t in frame.tracks),
        languages=frame.languages,
        levels=shortlist.LEVEL_CHOICES,
        decisions=shortlist.DECISION_CHOICES,
        programme=member.sees(Part.PROGRAMME_ATTRIBUTES),
        tags=tuple(
            (str(t.id), t.name)
            for t in frame.tags
            if t.reviewer_visible or member.viewer is Viewer.CHAIR
        ),
    )


def render_shortlist(
    request: HttpRequest,
    member: cfp_queries.CallMembership,
    *,
    bulk: object = None,
    status: int = 200,
) -> HttpResponse:
    """The shortlist page (or its results partial); ``bulk`` is the bulk-decision form state
    (reviews.views.curation renders a refused bulk decision through here)."""
    frame = shortlist.shortlist_frame(call_id=member.call_id)
    form = shortlist_filter_form(request, member, frame)
    sort = form.sort_order()
    result = shortlist.shortlist_page(
        call_id=member.call_id,
        frame=frame,
        phase=member.phase,
        filters_data=form.filters(),
        sort=sort,
        page=shortlist_rules.page_number(request.GET.get("page")),
        per_page=form.rows_per_page(),
    )
    return page(
        request,
        "reviews/shortlist.html",
        {
            "call": member,
            "titles_redacted": member.shown(Part.CONTENT) is Shown.REDACTED,
            "programme_hidden": not member.sees(Part.PROGRAMME_ATTRIBUTES),
            "frame": frame,
            "form": form,
            "sort": sort,
            "result": result,
            "bulk": bulk,
            "bulk_form": getattr(bulk, "form", None) or curation_forms.BulkDecisionForm(),
            "query": request.GET.urlencode(),
            # Declines, edits and withdrawals after acceptance: on the full page only.
            "notices": ()
            if wants_fragment(request)
            else notices.open_notices(
                call_id=member.call_id, run_id=frame.run_id, phase=member.phase
            ),
        },
        partial="results",
        status=status,
    )


# --- exports --------------------------------------------------------------------------------


def _download(request: HttpRequest, member: cfp_queries.CallMembership, kind: str) -> HttpResponse:
    # ?scope=all exports every live proposal; the default stays the shortlist (issue 20).
    scope = request.GET.get("scope") or exports.SHORTLIST
    if scope not in exports.SCOPES:
        return page(
            request,
            "error.html",
            {
                "title": _("No such export"),
                "message": _(
                    "The export holds the shortlist (scope=shortlist) or every proposal "
                    "(scope=all)."
                ),
            },
            status=400,
        )
    header = exports.columns(phase=member.phase)
    rows = exports.rows(call_id=member.call_id, phase=member.phase, scope=scope)
    filename = f"{member.slug}-{'shortlist' if scope == exports.SHORTLIST else 'proposals'}.{kind}"
    if kind == "xlsx":
        # A workbook is a zip file with a directory at its end, so it cannot be streamed as it
        # is written: write it to an unnamed temporary file (constant memory) and stream that.
        target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        spreadsheets.write_xlsx(
            header=header,
            rows=rows,
            target=target,
            sheet_name="Shortlist" if scope == exports.SHORTLIST else "Proposals",
        )
        target.seek(0)
        return FileResponse(  # type: ignore[return-value]
            target,
            as_attachment=True,
            filename=filename,
            content_type=spreadsheets.CONTENT_TYPES[kind],
        )
    response = StreamingHttpResponse(
        spreadsheets.write(kind=kind, header=header, rows=rows),
        content_type=spreadsheets.CONTENT_TYPES[kind],
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response  # type: ignore[return-value]


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def export_csv(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    return _download(request, member, "csv")


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def export_json(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    return _download(request, member, "json")


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def export_xlsx(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    return _download(request, member, "xlsx")
