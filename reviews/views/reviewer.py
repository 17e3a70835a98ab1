"""Reviewer pages: the queue, the scoring screen and stepping back from a proposal.

Each view: check access → parse → at most one service call → query → render.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseLocation, reswap, retarget

from cfp import access
from cfp import queries as cfp_queries
from cfp.domain import shown_html
from common.htmx import HtmxHttpRequest, is_htmx
from common.render import page, user_id
from reviews.forms import reviewing as forms
from reviews.queries import queue, screen, tags
from reviews.services import recusal, reviews


def _query_string(filters: dict[str, str]) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


def _with_query(url: str, query_string: str) -> str:
    return f"{url}?{query_string}" if query_string else url


@require_http_methods(["GET", "HEAD"])
@access.reviewer_required
def queue_page(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    call = cfp_queries.call_summary(slug=member.slug)
    if call is None:  # pragma: no cover - the access check just read the call
        raise Http404
    visible_tags = tags.call_tags(call_id=member.call_id, viewer=member.viewer)
    filter_form = forms.QueueFilterForm(
        request.GET, call=call, tags=tuple((str(t.id), t.name) for t in visible_tags)
    )
    f = filter_form.values()
    q = queue.reviewer_queue(
        call_id=member.call_id, reviewer_id=user_id(request), phase=member.phase, **f
    )
    return page(
        request,
        "reviews/queue.html",
        {
            "call": call,
            "queue": q,
            "filter_form": filter_form,
            "query_string": _query_string(f),
            "filtered": any(f[k] for k in ("track", "format", "language", "status", "q", "tag")),
            "moved": moved_message(request, more=False),
        },
        partial="queue",
    )


def _marker_titles() -> dict[str, str]:
    """What each redaction marker stands for, in the reader's language (tooltip and legend)."""
    return {
        "name": _("A name was removed here: a speaker's name or one close to it."),
        "email": _("An e-mail address was removed here."),
        "handle": _("A social-media or chat handle was removed here."),
        "link": _("A link that could point to the speaker was removed here."),
        "affiliation": _("An employer, university or other affiliation was removed here."),
        "phrase": _("Words that could identify the speaker were removed here."),
    }


def _screen_page(
    request: HttpRequest,
    *,
    member: cfp_queries.CallMembership,
    target: screen.ScoringTarget,
    form: forms.ReviewForm,
    mine: screen.MyReview | None,
    filters: dict[str, str],
    recuse_form: forms.RecuseForm | None = None,
    partial: str | None = "review-form",
    status: int = 200,
) -> HttpResponse:
    changed = mine is not None and mine.proposal_version < target.version
    query_string = _query_string(filters)
    progress = queue.screen_progress(
        call_id=member.call_id,
        reviewer_id=user_id(request),
        phase=member.phase,
        after_code=target.code,
        **filters,
    )
    changes = (
        screen.changes_since(
            proposal_id=target.proposal_id,
            number=mine.proposal_version,
            version=target.version,
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
    titles = _marker_titles()
    shown = {
        field: shown_html.with_titles(html_text=html, titles=titles)
        for field, html in target.html.items()
    }
    markers = [
        {"kind": kind, "id": shown_html.marker_id(kind), "title": title}
        for kind, title in titles.items()
        if any(f"[{kind}]" in html for html in target.html.values())
    ]
    context = {
        # The screen needs only the call's name and slug, which the access check already read.
        "call": member,
        "target": target,
        "title_html": shown["title"],
        "abstract_html": shown["abstract"],
        "description_html": shown["description"],
        "notes_html": shown["notes"],
        "markers": markers,
        "form": form,
        "criteria_fields": forms.criteria_fields(form),
        "mine": mine,
        "changed": changed,
        "changes": changes,
        "next_code": progress.next_code or "",
        "progress": progress,
        # Each is written several times on the page: reversed once here, not per use.
        "screen_url": _with_query(
            reverse("reviews:screen", args=[member.slug, target.code]), query_string
        ),
        "recuse_url": _with_query(
            reverse("reviews:recuse", args=[member.slug, target.code]), query_string
        ),
        "queue_url": _with_query(reverse("reviews:queue", args=[member.slug]), query_string),
        "recuse_form": recuse_form or forms.RecuseForm(),
        "moved": moved_message(request, more=True),
        "confidence_choices": forms.CONFIDENCE_OPTIONS,
        "confidence_value": str(form["confidence"].value() or ""),
        "limits": forms.LIMITS,
    }
    return page(request, "reviews/screen.html", context, partial=partial, status=status)


@require_http_methods(["GET", "POST"])
def screen_page(request: HtmxHttpRequest, slug: str, code: str) -> HttpResponse:
    if request.method == "POST" and request.user.is_authenticated:
        # The save checks role, assignment and proposal in one query (budget: 6 a save), so it
        # does not go through the access decorator's own read; an outsider gets 404 all the same.
        return _save(request, slug, code, forms.queue_filters(request.GET))
    return _screen_get(request, slug, code)


def _target_or_404(
    member: cfp_queries.CallMembership, *, reviewer_id: int, code: str
) -> screen.ScoringTarget:
    target = screen.scoring_target(
        call_id=member.call_id, reviewer_id=reviewer_id, code=code, phase=member.phase
    )
    if target is None:
        raise Http404(_("No such proposal in your queue."))
    return target


@access.reviewer_required
def _screen_get(
    request: HttpRequest, member: cfp_queries.CallMembership, code: str
) -> HttpResponse:
    target = _target_or_404(member, reviewer_id=user_id(request), code=code)
    crit = cfp_queries.call_criteria(call_id=member.call_id, language=get_language())
    mine = screen.my_review(proposal_id=target.proposal_id, reviewer_id=user_id(request))
    initial: dict[str, object] = {}
    if mine is not None:
        initial = {f"score_{k}": v for k, v in mine.scores.items()}
        initial.update(
            confidence=mine.confidence,
            comment=mine.comment,
            feedback=mine.feedback,
            abstain_reason=mine.abstain_reason,
        )
    return _screen_page(
        request,
        member=member,
        target=target,
        form=forms.ReviewForm(criteria=crit, initial=initial),
        mine=mine,
        filters=forms.queue_filters(request.GET),
    )


def _next_url(*, slug: str, next_code: str, query_string: str) -> str:
    url = (
        reverse("reviews:screen", kwargs={"slug": slug, "code": next_code})
        if next_code.isalnum()
        else reverse("reviews:queue", kwargs={"slug": slug})
    )
    return _with_query(url, query_string)


# Why the reviewer left the last proposal, said on the one they land on.
MOVED_HEADER = "X-Moved-On"


def _moved_messages() -> dict[str, str]:
    return {
        "saved": _("Your review is saved."),
        "abstained": _("You abstained from that proposal."),
        "recused": _(
            "You no longer review that proposal; another reviewer will be asked to take it."
        ),
    }


def _moved_text(moved: str, *, more: bool) -> str:
    said = _moved_messages().get(moved, "")
    if not said:
        return ""
    if more:
        return _("%(said)s Here is the next proposal.") % {"said": said}
    return _("%(said)s Nothing else in your queue needs you now.") % {"said": said}


def moved_message(request: HttpRequest, *, more: bool) -> str:
    """The flash an htmx "move on" asked for: a fixed word in a request header, never text."""
    return _moved_text(request.headers.get(MOVED_HEADER, ""), more=more)


def _go(request: HtmxHttpRequest, url: str, *, moved: str, next_code: str) -> HttpResponse:
    """Move on to `url` and say why: htmx swaps the next page's main region in place and asks
    for it with a header naming what happened (no session write: a save stays within its query
    budget); without htmx, a flash message and a redirect."""
    if is_htmx(request):
        return HttpResponseLocation(
            url,
            target="#main",
            select="#main",
            swap="outerHTML",
            headers={MOVED_HEADER: moved},
            status=204,
        )
    messages.success(request, _moved_text(moved, more=next_code.isalnum()))
    return redirect(url)


def _save(request: HtmxHttpRequest, slug: str, code: str, filters: dict[str, str]) -> HttpResponse:
    target = screen.score_target(slug=slug, reviewer_id=user_id(request), code=code)
    if target is None:
        raise Http404(_("No such proposal in your queue."))
    crit = cfp_queries.call_criteria(call_id=target.call_id, language=get_language())
    form = forms.ReviewForm(request.POST, criteria=crit)
    query_string = _query_string(filters)
    if form.is_valid():
        try:
            reviews.score_proposal(
                call_id=target.call_id,
                proposal_id=target.proposal_id,
                proposal_version=target.version,
                reviewer_id=user_id(request),
                criteria=screen.for_scoring(crit),
                data=form.data_object(),
                now=timezone.now(),
            )
        except reviews.UnableToScore as exc:
            form.add_error(None, str(exc))
        else:
            action = form.cleaned_data.get("action")
            if action in ("next", "abstain"):
                # Abstaining moves on like "Save & next": there is nothing left to do here.
                next_code = request.POST.get("next_code", "")[:12]
                return _go(
                    request,
                    _next_url(slug=slug, next_code=next_code, query_string=query_string),
                    moved="abstained" if action == "abstain" else "saved",
                    next_code=next_code,
                )
            if is_htmx(request):
                done = target.done_after
                return page(
                    request,
                    "reviews/screen.html",
                    {
                        "saved": True,
                        "saved_at": timezone.now(),
                        # The committee box (issue 21) appears once the review is in.
                        "committee_slug": slug,
                        "committee_code": code,
                        # The progress bar is swapped out of band: no reload, no extra query.
                        "progress": queue.Progress(done=done, total=target.total, next_code=None),
                    },
                    partial="saved",
                )
            messages.success(request, _("Your review is saved."))
            return redirect(
                _with_query(
                    reverse("reviews:screen", kwargs={"slug": slug, "code": code}), query_string
                )
            )
    member = cfp_queries.call_membership(user_id=user_id(request), slug=slug, role=access.REVIEWER)
    if member is None:  # pragma: no cover - the role was just checked by score_target
        raise Http404
    full = _target_or_404(member, reviewer_id=user_id(request), code=code)
    response = _screen_page(
        request,
        member=member,
        target=full,
        form=form,
        mine=screen.my_review(proposal_id=full.proposal_id, reviewer_id=user_id(request)),
        filters=filters,
        # htmx swaps only 2xx answers: send the form back with its errors in place of itself.
        status=200 if is_htmx(request) else 400,
    )
    if is_htmx(request):
        response = reswap(retarget(response, "#review-form"), "outerHTML")
    return response


@require_POST
@access.reviewer_required
def recuse(request: HtmxHttpRequest, member: cfp_queries.CallMembership, code: str) -> HttpResponse:
    """Step back from a proposal ("I know who wrote this") and go on to the next one."""
    me = user_id(request)
    filters = forms.queue_filters(request.GET)
    target = _target_or_404(member, reviewer_id=me, code=code)
    form = forms.RecuseForm(request.POST)
    if not form.is_valid():
        mine = screen.my_review(proposal_id=target.proposal_id, reviewer_id=me)
        return _screen_page(
            request,
            member=member,
            target=target,
            form=forms.ReviewForm(
                criteria=cfp_queries.call_criteria(call_id=member.call_id, language=get_language())
            ),
            mine=mine,
            filters=filters,
            recuse_form=form,
            partial=None,
            status=400,
        )
    try:
        recusal.recuse_reviewer(
            call_id=member.call_id,
            proposal_id=target.proposal_id,
            reviewer_id=me,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
    except recusal.UnableToRecuse as exc:  # pragma: no cover - a concurrent recusal won
        messages.error(request, str(exc))
        stepped_back = False
    else:
        stepped_back = True
    progress = queue.screen_progress(
        call_id=member.call_id, reviewer_id=me, phase=member.phase, after_code=code, **filters
    )
    next_code = progress.next_code or ""
    url = _next_url(slug=member.slug, next_code=next_code, query_string=_query_string(filters))
    if not stepped_back:  # pragma: no cover - a concurrent recusal won
        return redirect(url)
    return _go(request, url, moved="recused", next_code=next_code)
