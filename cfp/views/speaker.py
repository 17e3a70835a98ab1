"""A speaker's own proposals: submitting, the list, reading, editing and withdrawing one, and
the live leak check while typing."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from cfp import services
from cfp.domain import editing, markdown
from cfp.domain.findings import StoredFinding
from cfp.forms import cospeakers as cospeaker_forms
from cfp.forms import proposals as proposal_forms
from cfp.queries import acceptance, calls
from cfp.queries import cospeakers as cospeaker_queries
from cfp.queries import findings as finding_queries
from cfp.queries import proposals as proposal_queries
from cfp.queries import questions as question_queries
from cfp.services import proposals as proposal_services
from cfp.services import texts
from cfp.views import accounts
from cfp.views.public import call_or_404
from common.htmx import HtmxHttpRequest
from common.render import page, user_id

# The query parameter that shows the "complete your profile" card after a first submission.
WELCOME = "welcome"
# The form buttons' ``action``: save without submitting, and submit a saved draft (issue 25).
DRAFT = "draft"
SUBMIT_DRAFT = "submit_draft"


def _proposal_initial(p: proposal_queries.ProposalDetail) -> dict[str, str]:
    return {
        "title": p.title,
        "abstract": p.abstract,
        "description": p.description,
        "notes": p.notes,
        "format": p.format_slug,
        "track": p.track_slug,
        "level": p.level,
        "language": p.language,
    }


@login_required
@ratelimit(key="user_or_ip", rate="30/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    call = call_or_404(slug)
    now = timezone.now()
    questions = question_queries.call_questions(call_slug=slug, language=get_language())
    if request.method == "POST":
        form = proposal_forms.ProposalForm(request.POST, call=call, questions=questions)
        draft = request.POST.get("action") == DRAFT
        if form.is_valid():
            try:
                code = services.submit_proposal(
                    call_slug=slug,
                    owner=request.user,  # type: ignore[arg-type]
                    data=form.data_object(),
                    token=form.cleaned_data["token"] or secrets.token_hex(16),
                    now=now,
                    mine_url=request.build_absolute_uri(reverse("cfp:mine", args=[slug])),
                    draft=draft,
                )
            except services.UnableToSubmit as exc:
                form.add_error(None, str(exc))
            else:
                if draft:
                    messages.success(
                        request,
                        _("Draft saved. Nobody on the committee sees it until you submit it."),
                    )
                    return redirect("cfp:mine_detail", slug=slug, code=code)
                messages.success(request, _("Thank you! Your proposal is in. We sent a receipt."))
                target = reverse("cfp:mine_detail", args=[slug, code])
                if proposal_queries.owned_count(user_id=user_id(request)) == 1:
                    # The first one: invite (never force) the profile and self-identification.
                    target += f"?{WELCOME}=1"
                return redirect(target)
        status = 400
    else:
        form = proposal_forms.ProposalForm(
            call=call, questions=questions, initial={"token": secrets.token_hex(16)}
        )
        status = 200
    return page(
        request,
        "cfp/proposal_form.html",
        {
            "call": call,
            "form": form,
            "is_open": call.is_open(now),
            "proposal": None,
            "findings": (),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def mine(request: HttpRequest, slug: str) -> HttpResponse:
    call = call_or_404(slug)
    rows = proposal_queries.my_proposals(user_id=user_id(request), call_slug=slug)
    return page(
        request,
        "cfp/mine.html",
        {"call": call, "proposals": rows, "is_open": call.is_open(timezone.now())},
    )


def mine_or_404(request: HttpRequest, slug: str, code: str) -> proposal_queries.ProposalDetail:
    proposal = proposal_queries.owned_proposal(user_id=user_id(request), call_slug=slug, code=code)
    if proposal is None:
        raise Http404(_("No such proposal."))
    return proposal


def detail_page(
    request: HttpRequest,
    *,
    call: calls.CallSummary,
    proposal: proposal_queries.ProposalDetail,
    questions: tuple[question_queries.QuestionRow, ...],
    form: proposal_forms.ProposalForm | None = None,
    speaker_form: cospeaker_forms.SpeakerActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    if form is None:
        initial: dict[str, Any] = _proposal_initial(proposal)
        if questions:
            stored = question_queries.my_answers(proposal_id=proposal.id, user_id=user_id(request))
            initial.update(proposal_forms.answers_initial(questions, stored))
        form = proposal_forms.ProposalForm(call=call, questions=questions, initial=initial)
    is_open = editing.is_editable(
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        reopened_until=proposal.reopened_until,
        now=now,
    )
    return page(
        request,
        "cfp/proposal_form.html",
        {
            "call": call,
            "form": form,
            "proposal": proposal,
            "is_open": is_open,
            "reopened": is_open and not call.is_open(now),
            "findings": finding_queries.speaker_findings(
                findings=proposal.findings, questions=questions, phase=call.phase
            ),
            "invites": cospeaker_queries.proposal_invites(proposal_id=proposal.id, now=now)
            if proposal.is_owner
            else (),
            "speaker_form": speaker_form
            or cospeaker_forms.SpeakerActionForm(initial={"action": "invite"}),
            "feedback_html": tuple(
                markdown.render_plain(text=item) for item in proposal.published_feedback
            ),
            # Withdrawn or past the deadline: the text is shown, with no dead "Save" button.
            "read_only": proposal.withdrawn or not is_open,
            "now": now,
            "withdrawn_at": proposal_queries.withdrawn_at(proposal_id=proposal.id)
            if proposal.withdrawn
            else None,
            "welcome": proposal.is_owner and request.GET.get(WELCOME) == "1",
            "acceptance": acceptance.acceptance(call=call, proposal=proposal, now=now),
        },
        status=status,
    )


@login_required
@ratelimit(key="user_or_ip", rate="60/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def mine_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Read, edit (owner and co-speakers) or withdraw (owner) a proposal; read its decision."""
    call = call_or_404(slug)
    proposal = mine_or_404(request, slug, code)
    questions = question_queries.call_questions(call_slug=slug, language=get_language())
    now = timezone.now()
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "withdraw":
        # Withdrawing asks first: an old form or a script posting here lands on the question.
        return redirect("cfp:withdraw", slug=slug, code=code)
    if action == "undo_withdrawal":
        try:
            proposal_services.undo_withdrawal(
                call_slug=slug, code=code, user_id=user_id(request), now=now
            )
        except services.UnableToSubmit as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your proposal is back in the call."))
        return redirect("cfp:mine_detail", slug=slug, code=code)
    if request.method != "POST":
        return detail_page(request, call=call, proposal=proposal, questions=questions)
    form = proposal_forms.ProposalForm(request.POST, call=call, questions=questions)
    if form.is_valid():
        try:
            services.update_proposal(
                call_slug=slug,
                code=code,
                user_id=user_id(request),
                data=form.data_object(),
                now=now,
            )
            if action == SUBMIT_DRAFT and proposal.is_draft and proposal.is_owner:
                proposal_services.submit_draft(
                    call_slug=slug,
                    code=code,
                    user_id=user_id(request),
                    now=now,
                    mine_url=request.build_absolute_uri(reverse("cfp:mine", args=[slug])),
                )
        except services.UnableToSubmit as exc:
            form.add_error(None, str(exc))
        else:
            if action == SUBMIT_DRAFT and proposal.is_draft and proposal.is_owner:
                messages.success(request, _("Thank you! Your proposal is in. We sent a receipt."))
            else:
                messages.success(request, _("Saved."))
            return redirect("cfp:mine_detail", slug=slug, code=code)
    return detail_page(
        request, call=call, proposal=proposal, questions=questions, form=form, status=400
    )


def _edit_deadline(
    *, call: calls.CallSummary, proposal: proposal_queries.ProposalDetail, now: dt.datetime
) -> dt.datetime | None:
    """Until when the speaker may still change (or un-withdraw) the proposal; None: no longer."""
    if not editing.is_editable(
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        reopened_until=proposal.reopened_until,
        now=now,
    ):
        return None
    return call.closes_at if now < call.closes_at else proposal.reopened_until


@login_required
@ratelimit(key="user_or_ip", rate="60/h", method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Ask before withdrawing (GET), then withdraw (POST). Only the owner withdraws."""
    call = call_or_404(slug)
    proposal = mine_or_404(request, slug, code)
    if not proposal.is_owner:
        raise Http404(_("No such proposal."))
    now = timezone.now()
    if request.method == "POST":
        try:
            services.withdraw_proposal(call_slug=slug, code=code, user_id=user_id(request), now=now)
        except services.UnableToSubmit as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your proposal was withdrawn. You can undo this below."))
        return redirect("cfp:mine_detail", slug=slug, code=code)
    if proposal.withdrawn:
        return redirect("cfp:mine_detail", slug=slug, code=code)
    undo_until = _edit_deadline(call=call, proposal=proposal, now=now)
    return page(
        request,
        "cfp/withdraw_confirm.html",
        {"call": call, "proposal": proposal, "undo_until": undo_until},
    )


@login_required
@require_POST
@accounts.limited_per_person("scan")
def scan_preview(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The live leak check while a speaker types (htmx, debounced)."""
    call = call_or_404(slug)
    questions = question_queries.call_questions(call_slug=slug, language=get_language())
    form = proposal_forms.ScanForm(request.POST, questions=questions)
    found: tuple[StoredFinding, ...] = ()
    if form.is_valid():
        identities = proposal_queries.scan_identities(
            user_id=user_id(request),
            call_slug=slug,
            code=form.cleaned_data.get("code", ""),
            name=request.user.first_name or "",  # type: ignore[union-attr]
            email=request.user.email or "",  # type: ignore[union-attr]
        )
        found = texts.preview_redaction(fields=form.texts(), speakers=identities).findings
    findings = finding_queries.speaker_findings(
        findings=found, questions=questions, phase=call.phase
    )
    # Only the findings box changes, with or without htmx.
    return page(
        request,
        "cfp/proposal_form.html#findings",
        {"findings": findings, "checked": True},
    )
