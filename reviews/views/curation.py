"""Chairs' curation pages: the proposal page and its decision, reveal, displacement, e-mails.

Each view: check access (``cfp.access.chair_required``) → parse → at most one service call →
query → render. What each page shows of a proposal follows the blindness policy through the
call's phase (``member.phase``): while chairs are blind, the redacted text and no speaker.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from cfp import access
from cfp import queries as cfp_queries
from cfp.domain import markdown
from cfp.domain.visibility import Part
from common import redirects
from common.htmx import is_htmx, wants_fragment
from common.render import page, user_id
from reviews.domain import curation as rules
from reviews.forms import chair as chair_forms
from reviews.forms import curation as forms
from reviews.queries import decision_emails as emails
from reviews.queries import decisions, displacement, history, proposal_page, snapshot
from reviews.queries import shortlist as shortlist_queries
from reviews.services import bulk_decisions, curation
from reviews.services import decision_emails as sending
from reviews.views import chair as chair_views

Member = cfp_queries.CallMembership


def _blind(member: Member) -> bool:
    """Whether the page says "you are in the blind phase" (the policy hides speakers)."""
    return not member.sees(Part.SPEAKER_IDENTITY)


# --- the proposal page ----------------------------------------------------------------------


def _proposal_or_404(member: Member, code: str) -> proposal_page.ChairProposal:
    p = proposal_page.chair_proposal(call_id=member.call_id, code=code, phase=member.phase)
    if p is None:
        raise Http404(_("No such proposal."))
    return p


# The shortlist's query-string keys a proposal page carries on to its previous / next links.
TRAIL_KEYS = (
    "track",
    "format",
    "language",
    "level",
    "decision",
    "flag",
    "score_min",
    "score_max",
    "sort",
    "first_time",
    "wants_mentor",
    "english_additional",
)


def _trail(query: QueryDict) -> str:
    """The shortlist filter the chair came from, as a query string (other keys dropped)."""
    kept = QueryDict(mutable=True)
    for key in TRAIL_KEYS:
        value = query.get(key)
        if value:
            kept[key] = value[:200]
    return kept.urlencode()


def _context(
    *,
    member: Member,
    p: proposal_page.ChairProposal,
    form: forms.DecisionForm,
    whole: bool,
    conflict: str = "",
    saved: str = "",
    query: QueryDict | None = None,
) -> dict[str, object]:
    """The decision fragment's context, and with ``whole`` the rest of the proposal page's."""
    run_id = snapshot.current_run_id(call_id=member.call_id)
    context: dict[str, object] = {
        "call": member,
        "blind": _blind(member),
        "p": p,
        "form": form,
        "conflict": conflict,
        "saved": saved,
        "standing": decisions.standing(
            call_id=member.call_id,
            code=p.code,
            format_id=p.format_id,
            slots=p.format_slots,
            run_id=run_id,
        ),
        "history": history.history(proposal_id=p.id, phase=member.phase),
        "run_id": run_id,
    }
    if whole:
        trail = chair_forms.ShortlistTrail(query or QueryDict())
        context.update(
            trail=_trail(query or QueryDict()),
            neighbours=shortlist_queries.neighbours(
                call_id=member.call_id,
                run_id=run_id,
                phase=member.phase,
                filters_data=trail.filters(),
                sort=trail.sort_order(),
                code=p.code,
                scale=p.scale,
            ),
            abstract_html=markdown.render_plain(text=p.abstract),
            description_html=markdown.render_markdown(text=p.description),
            notes_html=markdown.render_plain(text=p.notes),
            reviews=proposal_page.proposal_reviews(
                call_id=member.call_id, proposal_id=p.id, scale=p.scale
            ),
            aggregate=proposal_page.aggregate(proposal_id=p.id, run_id=run_id, scale=p.scale),
        )
    return context


def _fresh_form(p: proposal_page.ChairProposal, next_url: str = "") -> forms.DecisionForm:
    return forms.DecisionForm(
        initial={"status": p.decision.status, "version": p.decision.version, "next": next_url}
    )


def _proposal_page(
    request: HttpRequest,
    *,
    member: Member,
    p: proposal_page.ChairProposal,
    form: forms.DecisionForm,
    conflict: str = "",
    saved: str = "",
    status: int = 200,
) -> HttpResponse:
    """The proposal page, or for htmx its decision fragment (always 2xx: htmx swaps only those,
    so an error comes back as the fragment with the message and the chair's input)."""
    whole = not wants_fragment(request)
    return page(
        request,
        "reviews/curation_proposal.html",
        _context(
            member=member,
            p=p,
            form=form,
            whole=whole,
            conflict=conflict,
            saved=saved,
            query=request.GET,
        ),
        partial="decision",
        status=status if whole else 200,
    )


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def proposal(request: HttpRequest, member: Member, code: str) -> HttpResponse:
    p = _proposal_or_404(member, code)
    return _proposal_page(request, member=member, p=p, form=_fresh_form(p))


@require_POST
@access.chair_required
def decide(request: HttpRequest, member: Member, code: str) -> HttpResponse:
    p = _proposal_or_404(member, code)
    form = forms.DecisionForm(request.POST)
    conflict = ""
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            decided = curation.decide(
                call_id=member.call_id,
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
            form = forms.DecisionForm(initial={**data, "version": exc.current.version})
        except curation.UnableToDecide as exc:
            form.add_error(exc.field, str(exc))
        else:
            label = decisions.status_label(decided.status)
            next_url = redirects.local_path(data.get("next"))
            if is_htmx(request):
                fresh = dataclasses.replace(p, decision=decisions.decision_state(proposal_id=p.id))
                response = _proposal_page(
                    request,
                    member=member,
                    p=fresh,
                    form=_fresh_form(fresh, next_url),
                    saved=_("Saved: %(status)s.") % {"status": label},
                )
                return trigger_client_event(
                    response, "decisionChanged", {"code": p.code, "status": decided.status}
                )
            messages.success(request, _("Decision saved: %(status)s.") % {"status": label})
            return redirects.safe_redirect(
                next_url,
                default=reverse("curation:proposal", kwargs={"slug": member.slug, "code": code}),
            )
    return _proposal_page(request, member=member, p=p, form=form, conflict=conflict, status=status)


# --- decisions from the shortlist: bulk and per row ----------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class BulkState:
    """A refused bulk decision as the shortlist shows it: the message, the refused rows (code,
    title, why) and the chair's selection, kept ticked."""

    form: forms.BulkDecisionForm
    selected: frozenset[str]
    refused: tuple[bulk_decisions.Refused, ...]
    message: str


def _shortlist_url(request: HttpRequest, member: Member) -> str:
    url = reverse("chair:shortlist", kwargs={"slug": member.slug})
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


@require_POST
@access.chair_required
def bulk_decide(request: HttpRequest, member: Member) -> HttpResponse:
    """Set one decision on the selected rows (or every row of the shortlist's filter, carried in
    the query string); all or nothing through ``bulk_decisions.decide_proposals``."""
    form = forms.BulkDecisionForm(request.POST)
    selected = frozenset(request.POST.getlist("codes")[:20000])
    message = ""
    refused: tuple[bulk_decisions.Refused, ...] = ()
    if form.is_valid():
        data = form.cleaned_data
        codes: tuple[str, ...] = tuple(data["codes"])
        if data["all"]:
            frame = shortlist_queries.shortlist_frame(call_id=member.call_id)
            filter_form = chair_views.shortlist_filter_form(request, member, frame)
            codes = shortlist_queries.filtered_codes(
                call_id=member.call_id,
                run_id=frame.run_id,
                phase=member.phase,
                filters_data=filter_form.filters(),
                scale=frame.scale,
            )
        version = data.get("version")
        changes = [
            bulk_decisions.Change(
                code=code,
                to_status=data["status"],
                reason=data.get("reason") or "",
                note=data.get("note") or "",
                seen_version=version if len(codes) == 1 else None,
            )
            for code in codes
        ]
        try:
            done = bulk_decisions.decide_proposals(
                call=member.call_id, chair=user_id(request), changes=changes, now=timezone.now()
            )
        except bulk_decisions.UnableToDecideMany as exc:
            message, refused = str(exc), exc.rows
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
        else:
            label = decisions.status_label(data["status"])
            text = _("%(n)s proposals are now %(status)s.") % {
                "n": len(done.changed),
                "status": label,
            }
            if done.unchanged:
                text += " " + _("%(n)s had this decision already.") % {"n": len(done.unchanged)}
            messages.success(request, text)
            if is_htmx(request):
                return chair_views.render_shortlist(request, member)
            return redirect(_shortlist_url(request, member))
    else:
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    state = BulkState(form=form, selected=selected, refused=refused, message=message)
    return chair_views.render_shortlist(
        request, member, bulk=state, status=200 if is_htmx(request) else 400
    )


# --- reveal ---------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def reveal(request: HttpRequest, member: Member) -> HttpResponse:
    form = forms.RevealForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                curation.reveal_identities(
                    call_id=member.call_id, actor_id=user_id(request), now=timezone.now()
                )
            except curation.UnableToReveal as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Identities are revealed. Departures now need a reason.")
                )
                return redirect("curation:reveal", slug=member.slug)
    return page(
        request,
        "reviews/curation_reveal.html",
        {"call": member, "reveal": curation.reveal_state(phase=member.phase), "form": form},
        status=status,
    )


# --- displacement ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def displacement_page(request: HttpRequest, member: Member) -> HttpResponse:
    report = displacement.displacement(
        call_id=member.call_id,
        run_id=snapshot.current_run_id(call_id=member.call_id),
        phase=member.phase,
    )
    return page(
        request,
        "reviews/curation_displacement.html",
        {
            "call": member,
            "blind": _blind(member),
            "report": report,
            "chart_width": displacement.CHART_WIDTH,
        },
    )


# --- decision e-mails -----------------------------------------------------------------------


def _emails_context(
    member: Member, bound: forms.DecisionTemplateForm | None = None
) -> dict[str, object]:
    template_forms = []
    for t in emails.decision_templates(call_id=member.call_id):
        if bound is not None and bound.status == t.status:
            template_forms.append(bound)
        else:
            template_forms.append(
                forms.DecisionTemplateForm(
                    status=t.status,
                    initial={
                        "subject": t.subject,
                        "body": t.body,
                        "include_feedback": t.include_feedback,
                    },
                )
            )
    return {
        "call": member,
        "template_forms": template_forms,
        "placeholders": tuple("{" + name + "}" for name in rules.PLACEHOLDERS),
        "summary": emails.send_summary(call_id=member.call_id),
        "progress": sending.send_progress(call_id=member.call_id),
        "preview_form": forms.PreviewForm(),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def decision_emails(request: HttpRequest, member: Member) -> HttpResponse:
    if request.method != "POST":
        return page(request, "reviews/curation_emails.html", _emails_context(member))
    status = request.POST.get("status", "")
    if status not in decisions.SENT_STATUSES:
        messages.error(request, _("Choose accepted, waitlisted or rejected."))
        return page(request, "reviews/curation_emails.html", _emails_context(member), status=400)
    form = forms.DecisionTemplateForm(request.POST, status=status)
    if form.is_valid():
        try:
            sending.save_decision_template(
                call_id=member.call_id,
                status=status,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                include_feedback=form.cleaned_data["include_feedback"],
                actor_id=user_id(request),
                now=timezone.now(),
            )
        except sending.UnableToSaveTemplate as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                _("The “%(status)s” e-mail is saved.") % {"status": form.status_label},
            )
            return redirect("curation:emails", slug=member.slug)
    return page(request, "reviews/curation_emails.html", _emails_context(member, form), status=400)


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def preview(request: HttpRequest, member: Member) -> HttpResponse:
    form = forms.PreviewForm(request.GET or None)
    code = form.cleaned_data["code"] if form.is_valid() else ""
    chosen = form.cleaned_data["status"] if form.is_valid() else ""
    code = code or emails.first_decided_code(call_id=member.call_id)
    found = emails.outcomes(call_id=member.call_id, code=code) if code else ()
    outcome = found[0] if found else None
    status = chosen or (outcome.status if outcome else "")
    composed: tuple[emails.Email, ...] = ()
    problem = ""
    if outcome is None:
        problem = (
            _("No proposal with the code %(code)s.") % {"code": code}
            if code
            else _("No proposal is decided yet: enter a code to preview.")
        )
    elif status not in decisions.SENT_STATUSES:
        problem = _("This proposal is undecided: choose a decision to preview.")
    else:
        template = emails.template_for(call_id=member.call_id, status=status)
        shown = emails.shown_to_chair(outcome=outcome, phase=member.phase)
        composed = tuple(
            emails.compose(template=template, outcome=shown, recipient=r, call_name=member.name)
            for r in shown.speakers
        )
    return page(
        request,
        "reviews/curation_preview.html",
        {
            "call": member,
            "form": form if form.is_bound else forms.PreviewForm(initial={"code": code}),
            "code": outcome.code if outcome else code,
            "status_label": decisions.status_label(status) if status else "",
            "emails": composed,
            "problem": problem,
        },
    )


def _progress(request: HttpRequest, member: Member) -> HttpResponse:
    return page(
        request,
        "reviews/curation_emails.html",
        {
            "call": member,
            "summary": emails.send_summary(call_id=member.call_id),
            "progress": sending.send_progress(call_id=member.call_id),
        },
        partial="progress",
    )


@require_http_methods(["GET", "HEAD"])
@access.chair_required
def send_progress(request: HttpRequest, member: Member) -> HttpResponse:
    if not is_htmx(request):
        # Only htmx polls this address; a plain visit (a bookmark, no JavaScript) gets the page.
        return page(request, "reviews/curation_emails.html", _emails_context(member))
    return _progress(request, member)
