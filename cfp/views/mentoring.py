"""Mentoring pages (issue 25): the speaker's (/calls/<slug>/mine/<code>/mentoring/) and the
mentor's (/mentor/<slug>/ and /mentor/<slug>/<code>/), with the thread swapped by htmx.

A mentor reaches only the proposals matched to them now; any other code is a 404, as is the
whole /mentor/ area for someone who is not a mentor of the call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from cfp import models
from cfp.access import role_required
from cfp.forms import mentoring as forms
from cfp.queries import calls
from cfp.queries import mentoring as queries
from cfp.queries import questions as question_queries
from cfp.queries.findings import speaker_findings
from cfp.queries.membership import CallMembership
from cfp.services import mentoring as services
from cfp.views.public import call_or_404
from common import htmx
from common.render import page, user_id

mentor_required = role_required(models.Role.MENTOR)
TEMPLATE = "cfp/mentoring.html"


def _context(
    *,
    call: Any,
    thread: queries.Thread,
    as_mentor: bool,
    post_form: forms.PostForm | None = None,
    suggestion_form: forms.SuggestionForm | None = None,
    report_form: forms.ReportForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    questions = question_queries.call_questions(call_slug=call.slug)
    return {
        "call": call,
        "thread": thread,
        "as_mentor": as_mentor,
        "findings": speaker_findings(
            findings=thread.findings, questions=questions, phase=call.phase
        ),
        "post_form": post_form or forms.PostForm(),
        "suggestion_form": suggestion_form or forms.SuggestionForm(),
        "report_form": report_form or forms.ReportForm(),
        "error": error,
        "is_open": call.is_open(timezone.now()),
        "action_url": reverse("mentor_proposal", args=[call.slug, thread.code])
        if as_mentor
        else reverse("cfp:mentoring", args=[call.slug, thread.code]),
    }


def _speaker_thread(request: HttpRequest, slug: str, code: str) -> queries.Thread:
    thread = queries.speaker_thread(user_id=user_id(request), call_slug=slug, code=code)
    if thread is None:
        raise Http404(_("No such proposal."))
    return thread


@login_required
@ratelimit(key="user_or_ip", rate="120/h", method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def speaker_mentoring(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """The speaker's side: ask for a mentor, the thread, suggestions, another mentor, a report."""
    call = call_or_404(slug)
    thread = _speaker_thread(request, slug, code)
    if request.method != "POST":
        return page(request, TEMPLATE, _context(call=call, thread=thread, as_mentor=False))
    action = request.POST.get("action", "")
    if action not in forms.SPEAKER_ACTIONS:
        return _speaker_error(request, call, thread, _("Choose one of the buttons on the page."))
    now = timezone.now()
    me = user_id(request)
    post_form = report_form = None
    try:
        if action == "ask":
            services.ask_for_mentor(call_slug=slug, code=code, user_id=me, now=now)
            done = _("You asked for a mentor. The chairs match you with one; we e-mail you then.")
        elif action == "another":
            services.ask_for_another_mentor(call_slug=slug, code=code, user_id=me, now=now)
            done = _("Your mentor is no longer matched to this proposal; the chairs find another.")
        elif action == "report":
            report_form = forms.ReportForm(request.POST)
            if not report_form.is_valid():
                return _speaker_invalid(request, call, thread, report_form=report_form)
            services.report_mentor(
                call_slug=slug,
                code=code,
                user_id=me,
                text=report_form.cleaned_data["text"],
                now=now,
            )
            done = _("Thank you. The chairs read your report; your mentor is not told.")
        elif action == "post":
            post_form = forms.PostForm(request.POST)
            if not post_form.is_valid():
                return _speaker_invalid(request, call, thread, post_form=post_form)
            services.post_message(
                call_id=call.id, code=code, user_id=me, body=post_form.cleaned_data["body"], now=now
            )
            done = ""
        else:
            choice = forms.SuggestionChoiceForm(request.POST)
            if not choice.is_valid():
                return _speaker_error(request, call, thread, _("This suggestion does not exist."))
            sid = choice.cleaned_data["suggestion"]
            if action == "accept":
                services.accept_suggestion(
                    call_slug=slug, code=code, user_id=me, suggestion_id=sid, now=now
                )
                done = _("Suggestion accepted: your abstract is saved as a new version.")
            else:
                services.ignore_suggestion(
                    call_slug=slug, code=code, user_id=me, suggestion_id=sid, now=now
                )
                done = _("Suggestion ignored.")
    except services.UnableToMentor as exc:
        return _speaker_invalid(
            request,
            call,
            thread,
            post_form=post_form,
            report_form=report_form,
            error=str(exc),
        )
    if action == "post" and htmx.wants_fragment(request):
        fresh = _speaker_thread(request, slug, code)
        return page(
            request,
            TEMPLATE,
            _context(call=call, thread=fresh, as_mentor=False),
            partial="thread",
        )
    if done:
        messages.success(request, done)
    return redirect(reverse("cfp:mentoring", args=[slug, code]) + ("#thread" if not done else ""))


def _speaker_invalid(
    request: HttpRequest,
    call: calls.CallSummary,
    thread: queries.Thread,
    *,
    post_form: forms.PostForm | None = None,
    report_form: forms.ReportForm | None = None,
    error: str = "",
) -> HttpResponse:
    """The page again with the person's text kept and the reason (htmx: only the thread)."""
    context = _context(
        call=call,
        thread=thread,
        as_mentor=False,
        post_form=post_form,
        report_form=report_form,
        error=error,
    )
    partial = "thread" if post_form is not None else None
    return page(request, TEMPLATE, context, partial=partial, status=400)


def _speaker_error(
    request: HttpRequest, call: calls.CallSummary, thread: queries.Thread, error: str
) -> HttpResponse:
    return _speaker_invalid(request, call, thread, error=error)


# --- the mentor's side -------------------------------------------------------------------------


@mentor_required
@require_http_methods(["GET", "HEAD"])
def mentor_home(request: HttpRequest, member: CallMembership) -> HttpResponse:
    """The proposals this mentor is matched to now, and nothing else of the call."""
    rows = queries.mentees(mentor_id=user_id(request), call_id=member.call_id)
    return page(request, "cfp/mentoring_home.html", {"member": member, "mentees": rows})


def _mentor_thread(request: HttpRequest, member: CallMembership, code: str) -> queries.Thread:
    thread = queries.mentor_thread(
        mentor_id=user_id(request), call_id=member.call_id, code=code, phase=member.phase
    )
    if thread is None:
        raise Http404(_("No such proposal."))
    return thread


@mentor_required
@ratelimit(key="user_or_ip", rate="120/h", method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def mentor_proposal(request: HttpRequest, member: CallMembership, code: str) -> HttpResponse:
    """A matched proposal as its mentor reads it: text, warnings, thread; post and suggest."""
    call = call_or_404(member.slug)
    thread = _mentor_thread(request, member, code)
    if request.method != "POST":
        return page(request, TEMPLATE, _context(call=call, thread=thread, as_mentor=True))
    action = request.POST.get("action", "")
    now = timezone.now()
    post_form = suggestion_form = None
    try:
        if action == "post":
            post_form = forms.PostForm(request.POST)
            if post_form.is_valid():
                services.post_message(
                    call_id=member.call_id,
                    code=code,
                    user_id=user_id(request),
                    body=post_form.cleaned_data["body"],
                    now=now,
                )
        elif action == "suggest":
            suggestion_form = forms.SuggestionForm(request.POST)
            if suggestion_form.is_valid():
                d = suggestion_form.cleaned_data
                services.suggest_change(
                    call_id=member.call_id,
                    code=code,
                    mentor_id=user_id(request),
                    original=d["original"],
                    replacement=d["replacement"],
                    note=d["note"],
                    now=now,
                )
        else:
            raise services.UnableToMentor(_("Choose one of the buttons on the page."))
    except services.UnableToMentor as exc:
        context = _context(
            call=call,
            thread=thread,
            as_mentor=True,
            post_form=post_form,
            suggestion_form=suggestion_form,
            error=str(exc),
        )
        return page(request, TEMPLATE, context, partial=_partial(action), status=400)
    invalid = (post_form is not None and not post_form.is_valid()) or (
        suggestion_form is not None and not suggestion_form.is_valid()
    )
    if invalid:
        context = _context(
            call=call,
            thread=thread,
            as_mentor=True,
            post_form=post_form,
            suggestion_form=suggestion_form,
        )
        return page(request, TEMPLATE, context, partial=_partial(action), status=400)
    if htmx.wants_fragment(request):
        fresh = _mentor_thread(request, member, code)
        return page(
            request,
            TEMPLATE,
            _context(call=call, thread=fresh, as_mentor=True),
            partial=_partial(action),
        )
    if action == "suggest":
        messages.success(request, _("Suggestion sent. The speaker can accept or ignore it."))
    return redirect(reverse("mentor_proposal", args=[member.slug, code]) + f"#{_partial(action)}")


def _partial(action: str) -> str:
    return "suggestions" if action == "suggest" else "thread"


@role_required(models.Role.REVIEWER)
@require_POST
def volunteer(request: HttpRequest, member: CallMembership) -> HttpResponse:
    """A reviewer signs up as a mentor of the call, when the call allows it."""
    try:
        services.volunteer_as_mentor(
            call_id=member.call_id, user_id=user_id(request), now=timezone.now()
        )
    except services.UnableToMentor as exc:
        messages.error(request, str(exc))
        return redirect("reviews:queue", slug=member.slug)
    messages.success(
        request, _("You are a mentor of this call. The chairs match you with speakers.")
    )
    return redirect("mentor_home", slug=member.slug)
