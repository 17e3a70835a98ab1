"""The chair's manual assignment and "Run assignment" control.

- /chair/<slug>/proposals/<code>/reviewers/: a proposal's reviewers with the engine's reasons,
  assign (a select of eligible reviewers) and unassign; the proposal page loads it with htmx.
- /chair/<slug>/reviewers/<id>/: one reviewer's assignments, assign by proposal code, unassign,
  and the past talks a chair attaches to their expertise profile.
- /chair/<slug>/assignment/run/: run the engine in total, fair or randomised mode.

Each view: check access → parse → at most one service call → query → render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cfp import access
from cfp import queries as cfp_queries
from common.htmx import is_htmx
from common.render import page, user_id
from reviews.forms import bids as bid_forms
from reviews.forms import manual_assignment as forms
from reviews.queries import manual_assignment as queries
from reviews.services import assignment
from reviews.services import bids as bid_services
from reviews.services import manual_assignment as services
from reviews.templatetags import assignment_reasons as reason_text

Member = cfp_queries.CallMembership


def _rule_labels(panel: queries.ProposalPanel) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "why": services.rule_message(c.rule, language=panel.proposal.language),
        }
        for c in panel.ruled_out
    ]


def _proposal_page(
    request: HttpRequest, member: Member, code: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    panel = queries.proposal_panel(call_id=member.call_id, code=code, phase=member.phase)
    if panel is None:
        raise Http404(_("No such proposal in this call."))
    return page(
        request,
        "reviews/manual_assignment.html",
        {
            "call": member,
            "panel": panel,
            "form": forms.AssignForm(panel=panel),
            "ruled_out": _rule_labels(panel),
            "error": error,
        },
        partial="proposal-reviewers",
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def proposal_reviewers(request: HttpRequest, member: Member, code: str) -> HttpResponse:
    if request.method != "POST":
        return _proposal_page(request, member, code)
    form = forms.ReviewerIdForm(request.POST)
    action = request.POST.get("action", "assign")
    error = ""
    if not form.is_valid():
        error = _("Choose a reviewer.")
    else:
        change = services.unassign_manually if action == "unassign" else services.assign_manually
        try:
            outcome = change(
                call_id=member.call_id,
                code=code,
                reviewer_id=form.cleaned_data["reviewer"],
                actor_id=user_id(request),
                phase=member.phase,
                now=timezone.now(),
            )
        except services.UnableToChangeAssignment as e:
            error = str(e)
        else:
            messages.success(request, outcome.message)
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("chair:proposal_reviewers", slug=member.slug, code=code)
    return _proposal_page(request, member, code, error=error)


def _reviewer_page(
    request: HttpRequest,
    member: Member,
    reviewer_id: int,
    *,
    code_form: forms.ProposalCodeForm | None = None,
    talks_form: bid_forms.PastTalksForm | None = None,
    status: int = 200,
) -> HttpResponse:
    panel = queries.reviewer_panel(
        call_id=member.call_id, reviewer_id=reviewer_id, phase=member.phase
    )
    if panel is None:
        raise Http404(_("No such reviewer in this call."))
    return page(
        request,
        "reviews/reviewer_assignments.html",
        {
            "call": member,
            "panel": panel,
            "code_form": code_form or forms.ProposalCodeForm(),
            "talks_form": talks_form
            or bid_forms.PastTalksForm(
                initial={"reviewer": reviewer_id, "past_talks": panel.past_talks}
            ),
        },
        partial="reviewer-assignments",
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def reviewer_assignments(request: HttpRequest, member: Member, reviewer_id: int) -> HttpResponse:
    if request.method != "POST":
        return _reviewer_page(request, member, reviewer_id)
    action = request.POST.get("action", "assign")
    now = timezone.now()
    if action == "past_talks":
        talks = bid_forms.PastTalksForm(request.POST)
        if talks.is_valid():
            try:
                bid_services.attach_past_talks(
                    call_id=member.call_id,
                    reviewer_id=reviewer_id,
                    past_talks=talks.cleaned_data["past_talks"],
                    actor_id=user_id(request),
                    now=now,
                )
            except bid_services.UnableToSaveExpertise as e:
                talks.add_error("past_talks", str(e))
            else:
                messages.success(request, _("Past talks saved."))
                return redirect(
                    "chair:reviewer_assignments", slug=member.slug, reviewer_id=reviewer_id
                )
        return _reviewer_page(request, member, reviewer_id, talks_form=talks, status=400)
    code_form = forms.ProposalCodeForm(request.POST)
    if code_form.is_valid():
        change = services.unassign_manually if action == "unassign" else services.assign_manually
        try:
            outcome = change(
                call_id=member.call_id,
                code=code_form.cleaned_data["code"],
                reviewer_id=reviewer_id,
                actor_id=user_id(request),
                phase=member.phase,
                now=now,
            )
        except services.UnableToChangeAssignment as e:
            code_form.add_error("code", str(e))
        else:
            messages.success(request, outcome.message)
            return redirect("chair:reviewer_assignments", slug=member.slug, reviewer_id=reviewer_id)
    return _reviewer_page(request, member, reviewer_id, code_form=code_form, status=400)


@require_POST
@access.chair_required
def run_assignment(request: HttpRequest, member: Member) -> HttpResponse:
    form = forms.RunAssignmentForm(request.POST)
    back = reverse("reviewers:list", kwargs={"slug": member.slug})
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect(back)
    data = form.cleaned_data
    try:
        outcome = assignment.assign_reviewers(
            call_id=member.call_id,
            per_proposal=data.get("per_proposal"),
            actor_id=user_id(request),
            now=timezone.now(),
            mode=data["mode"],
            q=(data.get("q") or 1.0) if data["mode"] == "randomised" else 1.0,
        )
    except assignment.UnableToAssign as e:
        messages.error(request, str(e))
        return redirect(back)
    messages.success(
        request,
        _("Assignment run (%(mode)s): %(added)s new, %(removed)s moved.")
        % {
            "mode": dict(forms.MODE_CHOICES)[outcome.mode],
            "added": outcome.created,
            "removed": outcome.removed,
        },
    )
    for short in outcome.shortfalls[:10]:
        messages.warning(request, reason_text.shortfall_warning(short))
    if len(outcome.shortfalls) > 10:
        messages.warning(
            request,
            _("%(n)s more proposals are short of reviewers.") % {"n": len(outcome.shortfalls) - 10},
        )
    return redirect(back)
