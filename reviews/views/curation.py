"""Chairs' curation pages: the proposal page and its decision, reveal, displacement, e-mails.

Each view: check access (role_required) → parse → at most one service call → query → render.
While the call's chairs are blind, every page here shows the redacted text and no speaker.
"""

from __future__ import annotations

import dataclasses
import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cfp.domain import markdown
from common import redirects
from common.render import page, user_id
from reviews import curation, curation_forms, curation_queries, queries
from reviews.access import CHAIR, role_required
from reviews.domain import curation as rules


def _blind(access: queries.CallAccess) -> bool:
    return access.chairs_blind and not access.identities_revealed


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- the proposal page ----------------------------------------------------------------------


def _proposal_or_404(access: queries.CallAccess, code: str) -> curation_queries.ChairProposal:
    p = curation_queries.chair_proposal(call_id=access.call_id, code=code, blind=_blind(access))
    if p is None:
        raise Http404(_("No such proposal."))
    return p


def _decision_context(
    *,
    access: queries.CallAccess,
    p: curation_queries.ChairProposal,
    form: curation_forms.DecisionForm,
    conflict: str = "",
    saved: str = "",
) -> dict[str, object]:
    run_id = queries.current_run_id(call_id=access.call_id)
    return {
        "call": access,
        "blind": _blind(access),
        "p": p,
        "form": form,
        "conflict": conflict,
        "saved": saved,
        "standing": curation_queries.standing(
            call_id=access.call_id,
            code=p.code,
            format_id=p.format_id,
            slots=p.format_slots,
            run_id=run_id,
        ),
        "history": curation_queries.history(proposal_id=p.id, blind=_blind(access)),
        "run_id": run_id,
    }


def _proposal_context(
    *,
    access: queries.CallAccess,
    p: curation_queries.ChairProposal,
    form: curation_forms.DecisionForm,
    conflict: str = "",
    saved: str = "",
) -> dict[str, object]:
    context = _decision_context(access=access, p=p, form=form, conflict=conflict, saved=saved)
    run_id = context["run_id"]
    assert run_id is None or isinstance(run_id, int)
    context.update(
        abstract_html=markdown.render_plain(text=p.abstract),
        description_html=markdown.render_markdown(text=p.description),
        notes_html=markdown.render_plain(text=p.notes),
        reviews=curation_queries.proposal_reviews(call_id=access.call_id, proposal_id=p.id),
        aggregate=curation_queries.aggregate(proposal_id=p.id, run_id=run_id),
    )
    return context


def _fresh_form(
    p: curation_queries.ChairProposal, next_url: str = ""
) -> curation_forms.DecisionForm:
    return curation_forms.DecisionForm(
        initial={"status": p.decision.status, "version": p.decision.version, "next": next_url}
    )


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def proposal(request: HttpRequest, access: queries.CallAccess, code: str) -> HttpResponse:
    p = _proposal_or_404(access, code)
    if _is_htmx(request):
        return page(
            request,
            "reviews/curation_proposal.html",
            _decision_context(access=access, p=p, form=_fresh_form(p)),
            partial="decision",
        )
    return page(
        request,
        "reviews/curation_proposal.html",
        _proposal_context(access=access, p=p, form=_fresh_form(p)),
    )


@require_POST
@role_required(CHAIR)
def decide(request: HttpRequest, access: queries.CallAccess, code: str) -> HttpResponse:
    p = _proposal_or_404(access, code)
    form = curation_forms.DecisionForm(request.POST)
    conflict = ""
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            decided = curation.decide(
                call_id=access.call_id,
                code=p.code,
                to_status=data["status"],
                seen_version=data["version"],
                reason=data.get("reason") or "",
                note=data.get("note") or "",
                actor_id=user_id(request),
                now=timezone.now(),
            )
        except curation.DecisionConflict as exc:
            conflict = str(exc)
            status = 409
            # Keep what the chair chose, but against the version now current: sending it again
            # is a deliberate second decision, not a silent overwrite.
            form = curation_forms.DecisionForm(initial={**data, "version": exc.current.version})
        except curation.UnableToDecide as exc:
            form.add_error(exc.field, str(exc))
        else:
            label = curation_queries.status_label(decided.status)
            next_url = redirects.local_path(data.get("next"))
            trigger = {"decisionChanged": {"code": p.code, "status": decided.status}}
            if _is_htmx(request):
                fresh = dataclasses.replace(
                    p, decision=curation_queries.decision_state(proposal_id=p.id)
                )
                return page(
                    request,
                    "reviews/curation_proposal.html",
                    _decision_context(
                        access=access,
                        p=fresh,
                        form=_fresh_form(fresh, next_url),
                        saved=_("Saved: %(status)s.") % {"status": label},
                    ),
                    partial="decision",
                    headers={"HX-Trigger": json.dumps(trigger)},
                )
            messages.success(request, _("Decision saved: %(status)s.") % {"status": label})
            return redirects.safe_redirect(
                next_url,
                default=reverse("curation:proposal", kwargs={"slug": access.slug, "code": code}),
            )
    if _is_htmx(request):
        # htmx swaps 2xx answers only: the fragment comes back with the message and the input.
        return page(
            request,
            "reviews/curation_proposal.html",
            _decision_context(access=access, p=p, form=form, conflict=conflict),
            partial="decision",
        )
    return page(
        request,
        "reviews/curation_proposal.html",
        _proposal_context(access=access, p=p, form=form, conflict=conflict),
        status=status,
    )


# --- reveal ---------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(CHAIR)
def reveal(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    form = curation_forms.RevealForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                curation.reveal_identities(
                    call_id=access.call_id, actor_id=user_id(request), now=timezone.now()
                )
            except curation.UnableToReveal as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Identities are revealed. Departures now need a reason.")
                )
                return redirect("curation:reveal", slug=access.slug)
    return page(
        request,
        "reviews/curation_reveal.html",
        {"call": access, "blind": _blind(access), "form": form},
        status=status,
    )


# --- displacement ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def displacement(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    report = curation_queries.displacement(
        call_id=access.call_id,
        run_id=queries.current_run_id(call_id=access.call_id),
        blind=_blind(access),
    )
    return page(
        request,
        "reviews/curation_displacement.html",
        {
            "call": access,
            "blind": _blind(access),
            "report": report,
            "chart_width": curation_queries.CHART_WIDTH,
        },
    )


# --- decision e-mails -----------------------------------------------------------------------


def _emails_context(
    access: queries.CallAccess, bound: curation_forms.DecisionTemplateForm | None = None
) -> dict[str, object]:
    forms = []
    for t in curation_queries.decision_templates(call_id=access.call_id):
        if bound is not None and bound.status == t.status:
            forms.append(bound)
        else:
            forms.append(
                curation_forms.DecisionTemplateForm(
                    status=t.status,
                    initial={
                        "subject": t.subject,
                        "body": t.body,
                        "include_feedback": t.include_feedback,
                    },
                )
            )
    return {
        "call": access,
        "template_forms": forms,
        "placeholders": tuple("{" + name + "}" for name in rules.PLACEHOLDERS),
        "summary": curation_queries.send_summary(call_id=access.call_id),
        "progress": curation.send_progress(call_id=access.call_id),
        "preview_form": curation_forms.PreviewForm(),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(CHAIR)
def decision_emails(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    if request.method != "POST":
        return page(request, "reviews/curation_emails.html", _emails_context(access))
    status = request.POST.get("status", "")
    if status not in curation_queries.SENT_STATUSES:
        messages.error(request, _("Choose accepted, waitlisted or rejected."))
        return page(request, "reviews/curation_emails.html", _emails_context(access), status=400)
    form = curation_forms.DecisionTemplateForm(request.POST, status=status)
    if form.is_valid():
        try:
            curation.save_decision_template(
                call_id=access.call_id,
                status=status,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                include_feedback=form.cleaned_data["include_feedback"],
                actor_id=user_id(request),
                now=timezone.now(),
            )
        except curation.UnableToSaveTemplate as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                _("The “%(status)s” e-mail is saved.") % {"status": form.status_label},
            )
            return redirect("curation:emails", slug=access.slug)
    return page(request, "reviews/curation_emails.html", _emails_context(access, form), status=400)


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def preview(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    form = curation_forms.PreviewForm(request.GET or None)
    code = form.cleaned_data["code"] if form.is_valid() else ""
    chosen = form.cleaned_data["status"] if form.is_valid() else ""
    code = code or curation_queries.first_decided_code(call_id=access.call_id)
    found = curation_queries.outcomes(call_id=access.call_id, code=code) if code else ()
    outcome = found[0] if found else None
    status = chosen or (outcome.status if outcome else "")
    emails: tuple[curation_queries.Email, ...] = ()
    problem = ""
    if outcome is None:
        problem = (
            _("No proposal with the code %(code)s.") % {"code": code}
            if code
            else _("No proposal is decided yet: enter a code to preview.")
        )
    elif status not in curation_queries.SENT_STATUSES:
        problem = _("This proposal is undecided: choose a decision to preview.")
    else:
        blind = _blind(access)
        template = curation_queries.template_for(call_id=access.call_id, status=status)
        shown = outcome
        if blind:
            shown = curation_queries.Outcome(
                proposal_id=outcome.proposal_id,
                code=outcome.code,
                title=outcome.redacted_title,
                redacted_title=outcome.redacted_title,
                format_name=outcome.format_name,
                status=outcome.status,
                speakers=tuple(
                    curation_queries.Recipient(
                        name=_("[speaker's name]"), email=_("[hidden until the reveal]")
                    )
                    for _s in outcome.speakers
                ),
                feedback=outcome.feedback,
                published_decision=outcome.published_decision,
                published_feedback=outcome.published_feedback,
            )
        emails = tuple(
            curation_queries.compose(
                template=template, outcome=shown, recipient=r, call_name=access.name
            )
            for r in shown.speakers
        )
    return page(
        request,
        "reviews/curation_preview.html",
        {
            "call": access,
            "form": form if form.is_bound else curation_forms.PreviewForm(initial={"code": code}),
            "code": outcome.code if outcome else code,
            "status_label": curation_queries.status_label(status) if status else "",
            "emails": emails,
            "problem": problem,
        },
    )


def _progress(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    return page(
        request,
        "reviews/curation_emails.html",
        {
            "call": access,
            "summary": curation_queries.send_summary(call_id=access.call_id),
            "progress": curation.send_progress(call_id=access.call_id),
        },
        partial="progress",
    )


@require_POST
@role_required(CHAIR)
def send(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    curation.request_decision_emails(
        call_id=access.call_id, actor_id=user_id(request), now=timezone.now()
    )
    if _is_htmx(request):
        return _progress(request, access)
    messages.success(
        request,
        _("Sending has started. Each speaker gets one e-mail per decision, however often you ask."),
    )
    return redirect("curation:emails", slug=access.slug)


@require_http_methods(["GET", "HEAD"])
@role_required(CHAIR)
def send_progress(request: HttpRequest, access: queries.CallAccess) -> HttpResponse:
    if not _is_htmx(request):
        # Only htmx polls this address; a plain visit (a bookmark, no JavaScript) gets the page.
        return page(request, "reviews/curation_emails.html", _emails_context(access))
    return _progress(request, access)
