"""Reviewer and chair views: check access, parse, one service call, query, render."""

from __future__ import annotations

import json

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp.domain import markdown
from common.render import page, user_id
from reviews import forms, queries, services
from reviews.access import REVIEWER, role_required
from reviews.access import call_or_404 as _call
from reviews.domain import scoring

# --- reviewer -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@role_required(REVIEWER)
def queue(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    call = _call(access.slug)
    filter_form = forms.QueueFilterForm(request.GET, call=call)
    f = filter_form.values()
    q = queries.review_queue(call_id=access.call_id, reviewer_id=user_id(request), **f)
    query_string = urlencode({k: v for k, v in f.items() if v})
    return page(
        request,
        "reviews/queue.html",
        {
            "call": call,
            "queue": q,
            "filter_form": filter_form,
            "query_string": query_string,
            "track": f["track"],
        },
        partial="queue",
    )


def _screen_context(
    *,
    request: HttpRequest,
    access: queries.CallAccess,
    target: queries.ScoringTarget,
    form: forms.ReviewForm,
    mine: queries.MyReview | None,
    saved: bool = False,
    track: str = "",
) -> dict[str, object]:
    changed = mine is not None and mine.proposal_version < target.version
    next_code = queries.next_todo(
        call_id=access.call_id, reviewer_id=user_id(request), after_code=target.code, track=track
    )
    fields = [
        {
            "slug": c.slug,
            "name": c.name,
            "guidance": c.guidance,
            "choices": c.choices,
            "field": form[f"score_{c.slug}"],
            "value": str(form[f"score_{c.slug}"].value() or ""),
        }
        for c in form.criteria
    ]
    return {
        # The screen needs only the call's name and slug, which the access check already read.
        "call": access,
        "target": target,
        "abstract_html": markdown.render_plain(text=target.abstract),
        "description_html": markdown.render_markdown(text=target.description),
        "notes_html": markdown.render_plain(text=target.notes),
        "form": form,
        "criteria_fields": fields,
        "mine": mine,
        "changed": changed,
        "next_code": next_code or "",
        "saved": saved,
        "track": track,
    }


@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    if request.method == "POST" and request.user.is_authenticated:
        # The save path checks role, assignment and proposal in one query (budget: 6 a save).
        return _save(request, slug, code, request.GET.get("track", "")[:60])
    return _screen_get(request, slug, code)


@role_required(REVIEWER)
def _screen_get(request: HttpRequest, access: queries.CallAccess, code: str) -> HttpResponse:
    track = request.GET.get("track", "")[:60]
    target = queries.scoring_target(call_id=access.call_id, reviewer_id=user_id(request), code=code)
    if target is None:
        raise Http404(_("No such proposal in your queue."))
    crit = queries.criteria(call_id=access.call_id)
    mine = queries.my_review(proposal_id=target.proposal_id, reviewer_id=user_id(request))
    initial: dict[str, object] = {}
    if mine is not None:
        initial = {f"score_{k}": v for k, v in mine.scores.items()}
        initial.update(
            confidence=mine.confidence,
            comment=mine.comment,
            feedback=mine.feedback,
            abstain_reason=mine.abstain_reason,
        )
    form = forms.ReviewForm(criteria=crit, initial=initial)
    return page(
        request,
        "reviews/screen.html",
        _screen_context(
            request=request, access=access, target=target, form=form, mine=mine, track=track
        ),
        partial="review-form",
    )


def _save(request: HttpRequest, slug: str, code: str, track: str) -> HttpResponse:
    target = queries.score_target(slug=slug, reviewer_id=user_id(request), code=code)
    if target is None:
        raise Http404(_("No such proposal in your queue."))
    crit = queries.criteria(call_id=target.call_id)
    form = forms.ReviewForm(request.POST, criteria=crit)
    if form.is_valid():
        try:
            services.score_proposal(
                call_id=target.call_id,
                proposal_id=target.proposal_id,
                proposal_version=target.version,
                reviewer_id=user_id(request),
                criteria=tuple(
                    scoring.Criterion(
                        slug=c.slug,
                        weight=c.weight,
                        minimum=float(c.minimum),
                        maximum=float(c.maximum),
                    )
                    for c in crit
                ),
                data=form.data_object(),
                now=timezone.now(),
            )
        except services.UnableToScore as exc:
            form.add_error(None, str(exc))
        else:
            next_code = request.POST.get("next_code", "")[:12]
            suffix = f"?{urlencode({'track': track})}" if track else ""
            if form.cleaned_data.get("action") == "next":
                url = (
                    reverse("reviews:screen", kwargs={"slug": slug, "code": next_code})
                    if next_code.isalnum()
                    else reverse("reviews:queue", kwargs={"slug": slug})
                ) + suffix
                if request.htmx:  # type: ignore[attr-defined]
                    # Swap the whole main region (the server sends the full page for it).
                    location = json.dumps({"path": url, "target": "#main", "select": "#main"})
                    return HttpResponse(status=204, headers={"HX-Location": location})
                return redirect(url)
            if request.htmx:  # type: ignore[attr-defined]
                return page(
                    request,
                    "reviews/screen.html",
                    {"saved": True, "saved_at": timezone.now()},
                    partial="saved",
                )
            messages.success(request, _("Your review is saved."))
            return redirect(reverse("reviews:screen", kwargs={"slug": slug, "code": code}) + suffix)
    access = queries.call_access(user_id=user_id(request), slug=slug, role=REVIEWER)
    if access is None:  # pragma: no cover - the role was just checked by score_target
        raise Http404
    full = queries.scoring_target(call_id=access.call_id, reviewer_id=user_id(request), code=code)
    if full is None:  # pragma: no cover - withdrawn between the two reads
        raise Http404
    return page(
        request,
        "reviews/screen.html",
        _screen_context(
            request=request,
            access=access,
            target=full,
            form=form,
            mine=queries.my_review(proposal_id=full.proposal_id, reviewer_id=user_id(request)),
            track=track,
        ),
        partial="review-form",
        # htmx swaps only 2xx answers: send the form back with its errors in place of itself.
        status=200 if request.htmx else 400,  # type: ignore[attr-defined]
        headers={"HX-Retarget": "#review-form", "HX-Reswap": "outerHTML"}
        if request.htmx  # type: ignore[attr-defined]
        else None,
    )
