"""Self-identification (/me/self-id/) and the chair's diversity report (/chair/<slug>/diversity/).

The person's page is the only page that shows anyone's answers, and only their own. The report
pages take no query parameters: the figures are the published snapshot, nothing else. Report
pages are for the call's chairs (``cfp.access.chair_required``: 404 for everyone else).
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cfp.access import chair_required
from cfp.queries import CallMembership
from common.htmx import HtmxHttpRequest, is_htmx
from common.render import page, user_id
from diversity import forms
from diversity.queries import questions as question_queries
from diversity.queries import reports
from diversity.queries import self_id as self_id_queries
from diversity.services import answers, report_settings
from diversity.services import reports as report_services

SELF_ID = "diversity/self_id.html"
REPORT = "diversity/report.html"
QUESTIONS = "diversity/questions.html"


def _invalid_status(request: HtmxHttpRequest) -> int:
    # htmx swaps only 2xx answers: the form comes back with its errors in place of itself.
    return 200 if is_htmx(request) else 400


# --- the person's own page -----------------------------------------------------------------


def _self_id_form(
    state: self_id_queries.SelfIdPage, data: object | None = None
) -> forms.SelfIdForm:
    initial: dict[str, object] = {"consent_version": state.consent_version}
    for answer in state.answers.values():
        initial[forms.answer_field(answer.key)] = answer.value
        initial[forms.text_field(answer.key)] = answer.text
    return forms.SelfIdForm(
        data,
        questions=state.questions,
        needs_consent=state.needs_consent,
        initial=initial,
    )


def _self_id_page(
    request: HtmxHttpRequest,
    state: self_id_queries.SelfIdPage,
    form: forms.SelfIdForm,
    *,
    status: int = 200,
    saved: bool = False,
) -> HttpResponse:
    return page(
        request,
        SELF_ID,
        {"state": state, "form": form, "sections": form.sections, "saved": saved},
        partial="answers",
        status=status,
    )


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def self_id(request: HtmxHttpRequest) -> HttpResponse:
    me = user_id(request)
    now = timezone.now()
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        answers.withdraw_consent(user_id=me, now=now)
        messages.success(request, _("Your consent is withdrawn and your answers are deleted."))
        return redirect("diversity:self_id")
    state = self_id_queries.self_id_page(user_id=me)
    if request.method != "POST":
        return _self_id_page(request, state, _self_id_form(state))
    form = _self_id_form(state, request.POST)
    if form.is_valid():
        try:
            answers.save_answers(
                user_id=me,
                answers=form.answers(),
                consent_version=form.consent_version_given(),
                now=now,
            )
        except answers.UnableToSaveAnswers as exc:
            form.add_error(None, str(exc))
        else:
            if is_htmx(request):
                fresh = self_id_queries.self_id_page(user_id=me)
                return _self_id_page(request, fresh, _self_id_form(fresh), saved=True)
            messages.success(request, _("Your answers are saved. Only you can see them."))
            return redirect("diversity:self_id")
    return _self_id_page(request, state, form, status=_invalid_status(request))


# --- the chair's report --------------------------------------------------------------------


def _change(
    request: HtmxHttpRequest,
    form: django_forms.Form,
    *,
    save: Callable[[], object],
    error_field: str | None,
    done: str,
    url: str,
    again: Callable[[int], HttpResponse],
) -> HttpResponse:
    """One chair setting from a posted form: saved, then the page loads afresh with the message
    (htmx too, rather than following a redirect into the fragment's place); refused, then the
    same fragment comes back with the message on ``error_field`` and the typed input."""
    if form.is_valid():
        try:
            save()
        except report_settings.UnableToChangeReport as exc:
            form.add_error(error_field, str(exc))
        else:
            messages.success(request, done)
            if is_htmx(request):
                return HttpResponseClientRedirect(url)
            return redirect(url)
    return again(_invalid_status(request))


def _report_page(
    request: HtmxHttpRequest,
    member: CallMembership,
    *,
    partial: str,
    status: int = 200,
    threshold: forms.ThresholdForm | None = None,
    target: forms.TargetForm | None = None,
) -> HttpResponse:
    report = reports.report_page(call_id=member.call_id, phase=member.phase)
    context = {
        "call": member,
        "report": report,
        "threshold_form": threshold or forms.ThresholdForm(initial={"k": report.k}),
        "target_form": target or forms.TargetForm(choices=report.target_choices),
    }
    return page(request, REPORT, context, partial=partial, status=status)


@require_http_methods(["GET", "HEAD"])
@chair_required
def report(request: HtmxHttpRequest, member: CallMembership) -> HttpResponse:
    return _report_page(request, member, partial="report")


@require_POST
@chair_required
def build(request: HtmxHttpRequest, member: CallMembership) -> HttpResponse:
    report_services.request_build(call_id=member.call_id, now=timezone.now())
    if is_htmx(request):
        return _report_page(request, member, partial="report")
    messages.success(request, _("The report is being built. The figures update when it is done."))
    return redirect("diversity:report", slug=member.slug)


@require_POST
@chair_required
def threshold(request: HtmxHttpRequest, member: CallMembership) -> HttpResponse:
    form = forms.ThresholdForm(request.POST)
    return _change(
        request,
        form,
        save=lambda: report_settings.set_threshold(
            call_id=member.call_id, k=form.cleaned_data["k"], now=timezone.now()
        ),
        error_field="k",
        done=_("The threshold is saved."),
        url=reverse("diversity:report", args=[member.slug]),
        again=lambda status: _report_page(
            request, member, partial="settings", status=status, threshold=form
        ),
    )


@require_POST
@chair_required
def targets(request: HtmxHttpRequest, member: CallMembership) -> HttpResponse:
    choices = reports.report_page(call_id=member.call_id, phase=member.phase).target_choices
    form = forms.TargetForm(request.POST, choices=choices)

    def save() -> None:
        dimension, value, share = form.target()
        report_settings.set_target(
            call_id=member.call_id,
            dimension=dimension,
            value=value,
            share=share,
            now=timezone.now(),
        )

    return _change(
        request,
        form,
        save=save,
        error_field="share",
        done=_("The target is saved; the report is being rebuilt."),
        url=reverse("diversity:report", args=[member.slug]),
        again=lambda status: _report_page(
            request, member, partial="settings", status=status, target=form
        ),
    )


def _questions_page(
    request: HtmxHttpRequest,
    member: CallMembership,
    form: forms.QuestionForm,
    *,
    status: int = 200,
) -> HttpResponse:
    return page(
        request,
        QUESTIONS,
        {
            "call": member,
            "defaults": question_queries.default_questions(),
            "questions": question_queries.call_questions(call_id=member.call_id),
            "form": form,
        },
        partial="questions",
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@chair_required
def questions(request: HtmxHttpRequest, member: CallMembership) -> HttpResponse:
    if request.method != "POST":
        return _questions_page(request, member, forms.QuestionForm())
    now = timezone.now()
    if request.POST.get("action") == "remove":
        remove = forms.RemoveQuestionForm(request.POST)
        if remove.is_valid():
            try:
                report_settings.remove_question(
                    call_id=member.call_id, question_id=remove.cleaned_data["question"], now=now
                )
            except report_settings.UnableToChangeReport as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The question and its answers are deleted."))
        else:
            messages.error(request, _("Choose a question to remove."))
        return redirect("diversity:questions", slug=member.slug)
    form = forms.QuestionForm(request.POST)
    return _change(
        request,
        form,
        save=lambda: report_settings.add_question(
            call_id=member.call_id,
            label=form.cleaned_data["label"],
            options=form.cleaned_data["options"],
            self_describe=form.cleaned_data["self_describe"],
            now=now,
        ),
        error_field=None,
        done=_("The question is added."),
        url=reverse("diversity:questions", args=[member.slug]),
        again=lambda status: _questions_page(request, member, form, status=status),
    )
