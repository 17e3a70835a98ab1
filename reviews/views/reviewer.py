"""Reviewer views: check access, parse, one service call, query, render."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cfp.domain import markdown
from common.render import page, user_id
from reviews import forms, queries, services
from reviews.access import REVIEWER, role_required
from reviews.access import call_or_404 as _call
from reviews.domain import scoring

# --- reviewer -------------------------------------------------------------------------------


def _query_string(filters: dict[str, str]) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


def _with_query(url: str, query_string: str) -> str:
    return f"{url}?{query_string}" if query_string else url


def _is_history_restore(request: HttpRequest) -> bool:
    # htmx re-fetches a pushed URL when the reviewer goes back: that needs the whole page.
    return request.headers.get("HX-History-Restore-Request") == "true"


@require_http_methods(["GET", "HEAD"])
@role_required(REVIEWER)
def queue(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    call = _call(access.slug)
    filter_form = forms.QueueFilterForm(request.GET, call=call)
    f = filter_form.values()
    q = queries.reviewer_queue(call_id=access.call_id, reviewer_id=user_id(request), **f)
    response = page(
        request,
        "reviews/queue.html",
        {
            "call": call,
            "queue": q,
            "filter_form": filter_form,
            "query_string": _query_string(f),
            "filtered": any(f[k] for k in ("track", "format", "language", "status")),
        },
        partial=None if _is_history_restore(request) else "queue",
    )
    # The same URL answers with the page or its fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _screen_context(
    *,
    request: HttpRequest,
    access: queries.CallAccess,
    target: queries.ScoringTarget,
    form: forms.ReviewForm,
    mine: queries.MyReview | None,
    filters: dict[str, str],
    recuse_form: forms.RecuseForm | None = None,
) -> dict[str, object]:
    changed = mine is not None and mine.proposal_version < target.version
    q = queries.reviewer_queue(call_id=access.call_id, reviewer_id=user_id(request), **filters)
    next_code = queries.next_in_queue(queue=q, after_code=target.code, status=filters["status"])
    changes = (
        queries.changes_since(
            proposal_id=target.proposal_id,
            number=mine.proposal_version,
            current={
                "title": target.title,
                "abstract": target.abstract,
                "description": target.description,
                "notes": target.notes,
            },
        )
        if changed and mine is not None
        else ()
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
        "changes": changes,
        "next_code": next_code or "",
        "progress": q,
        "query_string": _query_string(filters),
        "recuse_form": recuse_form or forms.RecuseForm(),
    }


@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    if request.method == "POST" and request.user.is_authenticated:
        # The save path checks role, assignment and proposal in one query (budget: 6 a save).
        return _save(request, slug, code, forms.queue_filters(request.GET))
    return _screen_get(request, slug, code)


@role_required(REVIEWER)
def _screen_get(request: HttpRequest, access: queries.CallAccess, code: str) -> HttpResponse:
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
    response = page(
        request,
        "reviews/screen.html",
        _screen_context(
            request=request,
            access=access,
            target=target,
            form=form,
            mine=mine,
            filters=forms.queue_filters(request.GET),
        ),
        partial=None if _is_history_restore(request) else "review-form",
    )
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _next_url(*, slug: str, next_code: str, query_string: str) -> str:
    url = (
        reverse("reviews:screen", kwargs={"slug": slug, "code": next_code})
        if next_code.isalnum()
        else reverse("reviews:queue", kwargs={"slug": slug})
    )
    return _with_query(url, query_string)


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Move on to `url`: htmx swaps the next page's main region in place, others redirect."""
    if request.htmx:  # type: ignore[attr-defined]
        location = json.dumps(
            {"path": url, "target": "#main", "select": "#main", "swap": "outerHTML"}
        )
        return HttpResponse(status=204, headers={"HX-Location": location})
    return redirect(url)


def _save(request: HttpRequest, slug: str, code: str, filters: dict[str, str]) -> HttpResponse:
    target = queries.score_target(slug=slug, reviewer_id=user_id(request), code=code)
    if target is None:
        raise Http404(_("No such proposal in your queue."))
    crit = queries.criteria(call_id=target.call_id)
    form = forms.ReviewForm(request.POST, criteria=crit)
    query_string = _query_string(filters)
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
            if form.cleaned_data.get("action") == "next":
                next_code = request.POST.get("next_code", "")[:12]
                return _go(
                    request, _next_url(slug=slug, next_code=next_code, query_string=query_string)
                )
            if request.htmx:  # type: ignore[attr-defined]
                return page(
                    request,
                    "reviews/screen.html",
                    {"saved": True, "saved_at": timezone.now()},
                    partial="saved",
                )
            messages.success(request, _("Your review is saved."))
            return redirect(
                _with_query(
                    reverse("reviews:screen", kwargs={"slug": slug, "code": code}), query_string
                )
            )
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
            filters=filters,
        ),
        partial="review-form",
        # htmx swaps only 2xx answers: send the form back with its errors in place of itself.
        status=200 if request.htmx else 400,  # type: ignore[attr-defined]
        headers={"HX-Retarget": "#review-form", "HX-Reswap": "outerHTML"}
        if request.htmx  # type: ignore[attr-defined]
        else None,
    )


@require_POST
@role_required(REVIEWER)
def recuse(request: HttpRequest, access: queries.CallAccess, code: str) -> HttpResponse:
    """Step back from a proposal ("I know who wrote this") and go on to the next one."""
    me = user_id(request)
    filters = forms.queue_filters(request.GET)
    target = queries.scoring_target(call_id=access.call_id, reviewer_id=me, code=code)
    if target is None:
        raise Http404(_("No such proposal in your queue."))
    form = forms.RecuseForm(request.POST)
    if not form.is_valid():
        mine = queries.my_review(proposal_id=target.proposal_id, reviewer_id=me)
        review_form = forms.ReviewForm(criteria=queries.criteria(call_id=access.call_id))
        return page(
            request,
            "reviews/screen.html",
            _screen_context(
                request=request,
                access=access,
                target=target,
                form=review_form,
                mine=mine,
                filters=filters,
                recuse_form=form,
            ),
            status=400,
        )
    try:
        services.recuse_reviewer(
            call_id=access.call_id,
            proposal_id=target.proposal_id,
            reviewer_id=me,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
    except services.UnableToRecuse as exc:  # pragma: no cover - a concurrent recusal won
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("You no longer review this proposal. Another reviewer will be asked to take it."),
        )
    q = queries.reviewer_queue(call_id=access.call_id, reviewer_id=me, **filters)
    next_code = queries.next_in_queue(queue=q, after_code=code, status=filters["status"]) or ""
    return redirect(
        _next_url(slug=access.slug, next_code=next_code, query_string=_query_string(filters))
    )
