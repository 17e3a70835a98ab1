"""Self-identification (/me/self-id/) and the chair's diversity report (/chair/<slug>/diversity/).

The person's page is the only page that shows anyone's answers, and only their own. The report
pages take no query parameters: the figures are the published snapshot, nothing else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from common.render import page, user_id
from diversity import forms, queries, services
from reviews.access import CHAIR, role_required
from reviews.queries import CallAccess

SELF_ID = "diversity/self_id.html"
REPORT = "diversity/report.html"
QUESTIONS = "diversity/questions.html"


# --- the person's own page -----------------------------------------------------------------


def _self_id_form(state: queries.SelfIdPage, data: object | None = None) -> forms.SelfIdForm:
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
    request: HttpRequest,
    state: queries.SelfIdPage,
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


def _reload(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful htmx POST, load the page afresh (with its message) instead of letting
    htmx follow a redirect into the fragment's place."""
    return HttpResponse(status=204, headers={"HX-Redirect": url})


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def self_id(request: HttpRequest) -> HttpResponse:
    me = user_id(request)
    now = timezone.now()
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        services.withdraw_consent(user_id=me, now=now)
        messages.success(request, _("Your consent is withdrawn and your answers are deleted."))
        return redirect("diversity:self_id")
    state = queries.self_id_page(user_id=me)
    if request.method != "POST":
        return _self_id_page(request, state, _self_id_form(state))
    form = _self_id_form(state, request.POST)
    if form.is_valid():
        try:
            services.save_answers(
                user_id=me,
                answers=form.answers(),
                consent_version=form.consent_version_given(),
                now=now,
            )
        except services.UnableToSaveAnswers as exc:
            form.add_error(None, str(exc))
        else:
            if request.htmx:  # type: ignore[attr-defined]
                fresh = queries.self_id_page(user_id=me)
                return _self_id_page(request, fresh, _self_id_form(fresh), saved=True)
            messages.success(request, _("Your answers are saved. Only you can see them."))
            return redirect("diversity:self_id")
    # htmx swaps only 2xx answers: the form comes back with its errors in place of itself.
    return _self_id_page(
        request,
        state,
        form,
        status=200 if request.htmx else 400,  # type: ignore[attr-defined]
    )


# --- the chair's report --------------------------------------------------------------------


def _report_context(
    access: CallAccess,
    *,
    threshold: forms.ThresholdForm | None = None,
    target: forms.TargetForm | None = None,
) -> dict[str, object]:
    report = queries.report_page(
        call_id=access.call_id,
        slug=access.slug,
        show_near_cut=not access.chairs_blind or access.identities_revealed,
    )
    return {
        "call": access,
        "report": report,
        "threshold_form": threshold or forms.ThresholdForm(initial={"k": report.k}),
        "target_form": target or forms.TargetForm(choices=report.target_choices),
    }


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def report(request: HttpRequest, access: CallAccess) -> HttpResponse:
    return page(request, REPORT, _report_context(access), partial="report")


@require_POST
@role_required(CHAIR)
def build(request: HttpRequest, access: CallAccess) -> HttpResponse:
    services.request_build(call_id=access.call_id, now=timezone.now())
    if request.htmx:  # type: ignore[attr-defined]
        return page(request, REPORT, _report_context(access), partial="report")
    messages.success(request, _("The report is being built. The figures update when it is done."))
    return redirect("diversity:report", slug=access.slug)


@require_POST
@role_required(CHAIR)
def threshold(request: HttpRequest, access: CallAccess) -> HttpResponse:
    form = forms.ThresholdForm(request.POST)
    if form.is_valid():
        try:
            services.set_threshold(
                call_id=access.call_id, k=form.cleaned_data["k"], now=timezone.now()
            )
        except services.UnableToChangeReport as exc:
            form.add_error("k", str(exc))
        else:
            messages.success(request, _("The threshold is saved."))
            if request.htmx:  # type: ignore[attr-defined]
                return _reload(request, reverse("diversity:report", args=[access.slug]))
            return redirect("diversity:report", slug=access.slug)
    return page(
        request,
        REPORT,
        _report_context(access, threshold=form),
        partial="settings",
        status=200 if request.htmx else 400,  # type: ignore[attr-defined]
    )


@require_POST
@role_required(CHAIR)
def targets(request: HttpRequest, access: CallAccess) -> HttpResponse:
    choices = queries.report_page(
        call_id=access.call_id, slug=access.slug, show_near_cut=False
    ).target_choices
    form = forms.TargetForm(request.POST, choices=choices)
    if form.is_valid():
        dimension, value, share = form.target()
        try:
            services.set_target(
                call_id=access.call_id,
                dimension=dimension,
                value=value,
                share=share,
                now=timezone.now(),
            )
        except services.UnableToChangeReport as exc:
            form.add_error("share", str(exc))
        else:
            messages.success(request, _("The target is saved; the report is being rebuilt."))
            if request.htmx:  # type: ignore[attr-defined]
                return _reload(request, reverse("diversity:report", args=[access.slug]))
            return redirect("diversity:report", slug=access.slug)
    return page(
        request,
        REPORT,
        _report_context(access, target=form),
        partial="settings",
        status=200 if request.htmx else 400,  # type: ignore[attr-defined]
    )


def _questions_page(
    request: HttpRequest,
    access: CallAccess,
    form: forms.QuestionForm,
    *,
    status: int = 200,
) -> HttpResponse:
    return page(
        request,
        QUESTIONS,
        {
            "call": access,
            "defaults": queries.default_questions(),
            "questions": queries.call_questions(call_id=access.call_id),
            "form": form,
        },
        partial="questions",
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(CHAIR)
def questions(request: HttpRequest, access: CallAccess) -> HttpResponse:
    if request.method != "POST":
        return _questions_page(request, access, forms.QuestionForm())
    now = timezone.now()
    if request.POST.get("action") == "remove":
        remove = forms.RemoveQuestionForm(request.POST)
        if remove.is_valid():
            try:
                services.remove_question(
                    call_id=access.call_id, question_id=remove.cleaned_data["question"], now=now
                )
            except services.UnableToChangeReport as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The question and its answers are deleted."))
        else:
            messages.error(request, _("Choose a question to remove."))
        return redirect("diversity:questions", slug=access.slug)
    form = forms.QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.add_question(
                call_id=access.call_id,
                label=form.cleaned_data["label"],
                options=form.cleaned_data["options"],
                self_describe=form.cleaned_data["self_describe"],
                now=now,
            )
        except services.UnableToChangeReport as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The question is added."))
            if request.htmx:  # type: ignore[attr-defined]
                return _reload(request, reverse("diversity:questions", args=[access.slug]))
            return redirect("diversity:questions", slug=access.slug)
    return _questions_page(
        request,
        access,
        form,
        status=200 if request.htmx else 400,  # type: ignore[attr-defined]
    )
