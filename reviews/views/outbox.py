"""The chairs' outbox: /chair/<slug>/outbox/ (decision drafts, group sends, resends).

Each view: check access (``cfp.access.chair_required``) → parse → at most one service call →
query → render. Account mail (verification, reset, invitations) is never read here: the page
lists only this call's decision drafts (``reviews.queries.outbox``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cfp import access
from cfp import queries as cfp_queries
from common.render import page, user_id
from reviews.forms import outbox as forms
from reviews.queries import decisions
from reviews.queries import outbox as queries
from reviews.services import outbox_review

Member = cfp_queries.CallMembership


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def outbox_page(request: HttpRequest, member: Member) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in decisions.SENT_STATUSES:
        status = ""
    return page(
        request,
        "reviews/outbox.html",
        {
            "call": member,
            "box": queries.outbox_page(call_id=member.call_id, phase=member.phase, status=status),
            "status": status,
            "limit": queries.PAGE_LIMIT,
        },
    )


@require_POST
@access.chair_required
def generate(request: HttpRequest, member: Member) -> HttpResponse:
    done = outbox_review.generate_drafts(
        call_id=member.call_id, actor_id=user_id(request), now=timezone.now()
    )
    messages.success(
        request,
        _("%(new)s new drafts, %(refreshed)s refreshed. Nothing was sent.")
        % {"new": done.created, "refreshed": done.refreshed},
    )
    return redirect("chair:outbox", slug=member.slug)


def _draft_or_404(member: Member, draft_id: int) -> queries.Draft:
    d = queries.draft(call_id=member.call_id, draft_id=draft_id, phase=member.phase)
    if d is None:
        raise Http404(_("No such e-mail in this call's outbox."))
    return d


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def draft(request: HttpRequest, member: Member, draft_id: int) -> HttpResponse:
    d = _draft_or_404(member, draft_id)
    status = 200
    if request.method == "POST":
        form = forms.DraftForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                outbox_review.edit_draft(
                    call_id=member.call_id,
                    draft_id=d.id,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    actor_id=user_id(request),
                    now=timezone.now(),
                )
            except outbox_review.UnableToReviewOutbox as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, _("The e-mail is saved. It is not sent yet."))
                return redirect("chair:outbox_draft", slug=member.slug, draft_id=d.id)
    else:
        form = forms.DraftForm(initial={"subject": d.subject, "body": d.body})
    return page(
        request, "reviews/outbox_draft.html", {"call": member, "d": d, "form": form}, status=status
    )


def _one_action(request: HttpRequest, member: Member, draft_id: int, action: str) -> HttpResponse:
    d = _draft_or_404(member, draft_id)
    try:
        if action == "discard":
            outbox_review.discard_draft(
                call_id=member.call_id, draft_id=d.id, actor_id=user_id(request), now=timezone.now()
            )
            messages.success(request, _("The draft to %(code)s is discarded.") % {"code": d.code})
        else:
            outbox_review.resend(
                call_id=member.call_id, draft_id=d.id, actor_id=user_id(request), now=timezone.now()
            )
            messages.success(request, _("The e-mail to %(code)s is sent again.") % {"code": d.code})
    except outbox_review.UnableToReviewOutbox as exc:
        messages.error(request, str(exc))
    return redirect("chair:outbox", slug=member.slug)


@require_POST
@access.chair_required
def discard(request: HttpRequest, member: Member, draft_id: int) -> HttpResponse:
    return _one_action(request, member, draft_id, "discard")


@require_POST
@access.chair_required
def resend(request: HttpRequest, member: Member, draft_id: int) -> HttpResponse:
    return _one_action(request, member, draft_id, "resend")


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def send_group(request: HttpRequest, member: Member, status: str) -> HttpResponse:
    """GET: "Send 23 acceptance e-mails?"; POST with the count seen: queue the group."""
    if status not in decisions.SENT_STATUSES:
        raise Http404(_("No such decision group."))
    code = 200
    if request.method == "POST":
        form = forms.SendGroupForm(request.POST)
        code = 400
        if form.is_valid():
            try:
                n = outbox_review.send_group(
                    call_id=member.call_id,
                    status=status,
                    expected=form.cleaned_data["expected"],
                    actor_id=user_id(request),
                    now=timezone.now(),
                )
            except outbox_review.UnableToReviewOutbox as exc:
                form.add_error(None, str(exc))
            else:
                if n:
                    messages.success(request, _("%(n)s e-mails are on their way.") % {"n": n})
                else:
                    messages.success(
                        request,
                        _(
                            "The decisions are published on the speakers' proposal pages; "
                            "none of these speakers gets an e-mail."
                        ),
                    )
                return redirect("chair:outbox", slug=member.slug)
    count = outbox_review.group_count(call_id=member.call_id, status=status)
    # Speakers who turned decision mail off get no draft: sending the group publishes their
    # decision all the same (on their proposal page), so the confirmation says how many.
    unmailed = len(outbox_review.unmailed(call_id=member.call_id, status=status))
    if request.method != "POST":
        form = forms.SendGroupForm(initial={"expected": count})
    return page(
        request,
        "reviews/outbox_send.html",
        {
            "call": member,
            "status": status,
            "label": decisions.status_label(status),
            "count": count,
            "unmailed": unmailed,
            "form": form,
        },
        status=code,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def feedback(request: HttpRequest, member: Member) -> HttpResponse:
    """Moderate reviewers' feedback before it reaches a speaker: approve, edit or hide."""
    status = 200
    error = ""
    if request.method == "POST":
        form = forms.FeedbackForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                outbox_review.moderate_feedback(
                    call_id=member.call_id,
                    review_id=form.cleaned_data["review"],
                    action=form.cleaned_data["action"],
                    text=form.cleaned_data["text"],
                    actor_id=user_id(request),
                    now=timezone.now(),
                )
            except outbox_review.UnableToReviewOutbox as exc:
                error = str(exc)
            else:
                messages.success(request, _("Saved. Prepare the drafts again to include it."))
                return redirect("chair:outbox_feedback", slug=member.slug)
        else:
            error = _("Choose approve, edit or hide.")
    return page(
        request,
        "reviews/outbox_feedback.html",
        {
            "call": member,
            "items": queries.feedback_items(call_id=member.call_id),
            "error": error,
            "kept": request.POST.get("text", "") if request.method == "POST" else "",
            "kept_review": request.POST.get("review", "") if request.method == "POST" else "",
        },
        status=status,
    )
