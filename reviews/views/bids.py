"""The reviewer's bidding screen and expertise profile: /review/<slug>/bids/, …/expertise/.

Each view: check access → parse → at most one service call → query → render. Every control is
a plain form too: without JavaScript a bid posts its row's form and the server redirects back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cfp import access
from cfp import queries as cfp_queries
from cfp.domain import shown_html
from common.htmx import HtmxHttpRequest, is_htmx
from common.render import page, user_id
from reviews.forms import bids as forms
from reviews.queries import bids as queries
from reviews.services import bids as services
from reviews.views import reviewer


def _levels() -> list[dict[str, str]]:
    labels = dict(forms.LEVEL_CHOICES)
    return [
        {"value": value, "label": str(labels[value]), "key": keys[0], "letter": keys[1]}
        for value, keys in forms.LEVEL_KEYS.items()
        if value in labels
    ]


def _context(
    member: cfp_queries.CallMembership,
    window: queries.BiddingWindow,
    *,
    query: dict[str, str],
) -> dict[str, Any]:
    return {
        **_common(member, query=query),
        "window": window,
        "bidding_open": window.is_open,
        "closed_message": ""
        if window.is_open
        else services.closed_message(closes_at=window.closes_at, tz=window.timezone),
    }


def _common(member: cfp_queries.CallMembership, *, query: dict[str, str]) -> dict[str, Any]:
    return {"call": member, "levels": _levels(), "query_string": urlencode(query)}


def _markers() -> list[dict[str, str]]:
    """The legend every redaction marker's aria-describedby points at (as on the scoring
    screen)."""
    return [
        {"kind": kind, "id": shown_html.marker_id(kind), "title": title}
        for kind, title in reviewer._marker_titles().items()
    ]


@require_http_methods(["GET", "HEAD"])
@access.reviewer_required
def bids_page(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    now = timezone.now()
    window = queries.bidding_window(call_id=member.call_id, now=now)
    filter_form = forms.BidFilterForm(request.GET, tracks=window.tracks)
    f = filter_form.values()
    listing = queries.bid_page(
        call_id=member.call_id, reviewer_id=user_id(request), phase=member.phase, **f
    )
    query = forms.filter_query(request.GET)
    return page(
        request,
        "reviews/bids.html",
        {
            **_context(member, window, query=query),
            "listing": listing,
            "markers": _markers(),
            "filter_form": filter_form,
            "filtered": bool(f["search"] or f["track"] or f["level"]),
            "next_query": urlencode({**query, "page": listing.page + 1}),
            "prev_query": urlencode({**query, "page": listing.page - 1}),
        },
        partial="bid-list",
    )


@require_POST
@access.reviewer_required
def bid(request: HtmxHttpRequest, member: cfp_queries.CallMembership, code: str) -> HttpResponse:
    now = timezone.now()
    form = forms.BidForm(request.POST)
    error = ""
    try:
        services.place_bid(
            call_id=member.call_id,
            reviewer_id=user_id(request),
            code=code,
            level=form.level_value(),
            now=now,
        )
    except services.NoSuchProposal as e:
        raise Http404(str(e)) from e
    except services.UnableToBid as e:
        error = str(e)
    query = forms.filter_query(request.GET)
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        url = reverse("reviews:bids", kwargs={"slug": member.slug})
        return redirect(f"{url}?{urlencode(query)}#bid-{code}" if query else f"{url}#bid-{code}")
    row = queries.bid_row(
        call_id=member.call_id, reviewer_id=user_id(request), phase=member.phase, code=code
    )
    if row is None:
        raise Http404(_("No such proposal."))
    counts = queries.bid_counts(call_id=member.call_id, reviewer_id=user_id(request))
    return page(
        request,
        "reviews/bids.html",
        {
            **_common(member, query=query),
            # A refused bid (bidding closed meanwhile) leaves the row read-only, with the reason.
            "bidding_open": not error,
            "row": row,
            "error": error,
            "counts": counts,
        },
        partial="bid-row-answer",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@access.reviewer_required
def expertise(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    current = queries.my_expertise(call_id=member.call_id, reviewer_id=user_id(request))
    if request.method == "POST":
        form = forms.ExpertiseForm(request.POST)
        if form.is_valid():
            try:
                services.save_expertise(
                    call_id=member.call_id,
                    reviewer_id=user_id(request),
                    topics=form.cleaned_data["topics"],
                    statement=form.cleaned_data["statement"],
                    now=timezone.now(),
                )
            except services.UnableToSaveExpertise as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Your expertise profile is saved."))
                return redirect("reviews:expertise", slug=member.slug)
        status = 400
    else:
        form = forms.ExpertiseForm(
            initial={"topics": current.topics, "statement": current.statement}
        )
        status = 200
    return page(
        request,
        "reviews/expertise.html",
        {"call": member, "form": form, "current": current},
        partial="expertise-form",
        status=status,
    )
