"""Views for everyone and for submitters: check access, parse, one service call, query, render."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from cfp import forms, queries, services
from cfp.domain import leaks, markdown
from cfp.domain.findings import StoredFinding, parse_all
from common import redirects
from common.render import page, user_id


def _call_or_404(slug: str) -> queries.CallSummary:
    call = queries.call_summary(slug=slug)
    if call is None:
        raise Http404(_("No such call."))
    return call


@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return page(request, "cfp/home.html", {"calls": queries.listed_calls(now=now), "now": now})


@require_http_methods(["GET", "HEAD"])
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(slug)
    now = timezone.now()
    return page(
        request,
        "cfp/call_detail.html",
        {
            "call": call,
            "is_open": call.is_open(now),
            "description_html": markdown.render_markdown(text=call.description),
        },
    )


def _proposal_initial(p: queries.ProposalDetail) -> dict[str, str]:
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
    call = _call_or_404(slug)
    now = timezone.now()
    questions = queries.call_questions(call_slug=slug)
    if request.method == "POST":
        form = forms.ProposalForm(request.POST, call=call, questions=questions)
        if form.is_valid():
            try:
                code = services.submit_proposal(
                    call_slug=slug,
                    owner=request.user,  # type: ignore[arg-type]
                    data=form.data_object(),
                    token=form.cleaned_data["token"] or secrets.token_hex(16),
                    now=now,
                )
            except services.UnableToSubmit as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thank you! Your proposal is in. We sent a receipt."))
                return redirect("cfp:mine_detail", slug=slug, code=code)
        status = 400
    else:
        form = forms.ProposalForm(
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
    call = _call_or_404(slug)
    rows = queries.my_proposals(user_id=user_id(request), call_slug=slug)
    return page(request, "cfp/mine.html", {"call": call, "proposals": rows})


def _mine_or_404(request: HttpRequest, slug: str, code: str) -> queries.ProposalDetail:
    proposal = queries.owned_proposal(user_id=user_id(request), call_slug=slug, code=code)
    if proposal is None:
        raise Http404(_("No such proposal."))
    return proposal


def _detail_page(
    request: HttpRequest,
    *,
    call: queries.CallSummary,
    proposal: queries.ProposalDetail,
    questions: tuple[queries.QuestionRow, ...],
    form: forms.ProposalForm | None = None,
    speaker_form: forms.SpeakerActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    if form is None:
        initial: dict[str, Any] = _proposal_initial(proposal)
        if questions:
            stored = queries.my_answers(proposal_id=proposal.id, user_id=user_id(request))
            initial.update(forms.answers_initial(questions, stored))
        form = forms.ProposalForm(call=call, questions=questions, initial=initial)
    is_open = call.is_open(now) or bool(
        proposal.reopened_until and call.opens_at <= now < proposal.reopened_until
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
            "findings": queries.speaker_findings(
                findings=proposal.findings, questions=questions, phase=call.phase
            ),
            "invites": queries.proposal_invites(proposal_id=proposal.id, now=now)
            if proposal.is_owner
            else (),
            "speaker_form": speaker_form or forms.SpeakerActionForm(initial={"action": "invite"}),
            "feedback_html": tuple(
                markdown.render_plain(text=item) for item in proposal.published_feedback
            ),
        },
        status=status,
    )


@login_required
@ratelimit(key="user_or_ip", rate="60/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def mine_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Read, edit (owner and co-speakers) or withdraw (owner) a proposal; read its decision."""
    call = _call_or_404(slug)
    proposal = _mine_or_404(request, slug, code)
    questions = queries.call_questions(call_slug=slug)
    now = timezone.now()
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        try:
            services.withdraw_proposal(call_slug=slug, code=code, user_id=user_id(request), now=now)
        except services.UnableToSubmit as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your proposal was withdrawn."))
        return redirect("cfp:mine_detail", slug=slug, code=code)
    if request.method != "POST":
        return _detail_page(request, call=call, proposal=proposal, questions=questions)
    form = forms.ProposalForm(request.POST, call=call, questions=questions)
    if form.is_valid():
        try:
            services.update_proposal(
                call_slug=slug,
                code=code,
                user_id=user_id(request),
                data=form.data_object(),
                now=now,
            )
        except services.UnableToSubmit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("cfp:mine_detail", slug=slug, code=code)
    return _detail_page(
        request, call=call, proposal=proposal, questions=questions, form=form, status=400
    )


@login_required
@ratelimit(key="user_or_ip", rate="30/h", method="POST", block=True)
@require_POST
def speakers(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """The owner invites a co-speaker by e-mail, withdraws an invitation or removes a speaker."""
    call = _call_or_404(slug)
    proposal = _mine_or_404(request, slug, code)
    if not proposal.is_owner:
        messages.error(request, _("Only the proposal's owner can change who speaks on it."))
        return redirect("cfp:mine_detail", slug=slug, code=code)
    form = forms.SpeakerActionForm(request.POST)
    if form.is_valid():
        try:
            done = _change_speakers(request, slug, code, form.cleaned_data)
        except services.UnableToChangeSpeakers as exc:
            field = "email" if form.cleaned_data["action"] == "invite" else None
            form.add_error(field, str(exc))
        else:
            messages.success(request, done)
            return redirect(reverse("cfp:mine_detail", args=[slug, code]) + "#speakers")
    return _detail_page(
        request,
        call=call,
        proposal=proposal,
        questions=queries.call_questions(call_slug=slug),
        speaker_form=form,
        status=400,
    )


def _change_speakers(request: HttpRequest, slug: str, code: str, d: dict[str, Any]) -> str:
    """The one service call of the speakers view, by action; returns the success message."""
    now = timezone.now()
    if d["action"] == "invite":
        services.invite_co_speaker(
            call_slug=slug,
            code=code,
            owner_id=user_id(request),
            email=d["email"],
            join_url=request.build_absolute_uri(
                reverse("cfp:join", kwargs={"slug": slug, "token": "TOKEN"})
            ),
            now=now,
        )
        return _("We e-mailed an invitation to %(email)s.") % {"email": d["email"]}
    if d["action"] == "revoke":
        services.revoke_co_speaker_invite(
            call_slug=slug, code=code, owner_id=user_id(request), invite_id=d["invite"], now=now
        )
        return _("The invitation link no longer works.")
    services.remove_co_speaker(
        call_slug=slug, code=code, owner_id=user_id(request), link_id=d["speaker"], now=now
    )
    return _("The speaker was removed from this proposal.")


@ratelimit(key="user_or_ip", rate="30/h", method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A co-speaker's one-time link: log in (or sign up), then confirm."""
    if not request.user.is_authenticated:
        return redirect(reverse("login") + "?" + urlencode({"next": request.get_full_path()}))
    now = timezone.now()
    if request.method == "POST":
        try:
            code = services.accept_co_speaker_invite(
                call_slug=slug,
                token=token,
                user=request.user,
                now=now,
            )
        except services.UnableToJoin as exc:
            return _join_error(request, str(exc))
        messages.success(request, _("You are now a speaker on this proposal."))
        return redirect("cfp:mine_detail", slug=slug, code=code)
    preview = queries.invite_preview(
        call_slug=slug, token_hash=services.token_hash(token), viewer_id=user_id(request), now=now
    )
    if preview is None:
        return _join_error(request, str(services.INVALID_INVITE))
    if preview.accepted_by_viewer:
        return redirect("cfp:mine_detail", slug=slug, code=preview.code)
    problem = services.invite_problem(
        state=preview.state,
        accepted_at=preview.accepted_at,
        expires_at=preview.expires_at,
        zone=preview.timezone,
    )
    if problem:
        return _join_error(request, problem)
    return page(request, "cfp/join.html", {"invite": preview})


def _join_error(request: HttpRequest, message: str) -> HttpResponse:
    return page(
        request,
        "error.html",
        {"title": _("This invitation link cannot be used"), "message": message},
        status=400,
    )


@login_required
@require_POST
def scan_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The live leak check while a speaker types (htmx, debounced)."""
    call = _call_or_404(slug)
    questions = queries.call_questions(call_slug=slug)
    form = forms.ScanForm(request.POST, questions=questions)
    found: tuple[StoredFinding, ...] = ()
    if form.is_valid():
        identities = _identities_for_scan(request, slug, form.cleaned_data.get("code", ""))
        _redacted, raw = services.scan_fields(fields=form.texts(), speakers=identities)
        found = parse_all(raw)
    findings = queries.speaker_findings(findings=found, questions=questions, phase=call.phase)
    # Only the findings box changes, with or without htmx.
    return page(
        request,
        "cfp/proposal_form.html#findings",
        {"findings": findings, "checked": True},
    )


def _identities_for_scan(request: HttpRequest, slug: str, code: str) -> list[leaks.SpeakerIdentity]:
    """Every speaker of the proposal being edited, or the person typing a new one."""
    if code:
        proposal = queries.owned_proposal(user_id=user_id(request), call_slug=slug, code=code)
        if proposal is not None and proposal.speakers:
            return [
                leaks.SpeakerIdentity(
                    name=s.name, email=s.email, affiliation=s.affiliation, links=s.links
                )
                for s in proposal.speakers
            ]
    profile = queries.speaker_profile(user_id=user_id(request))
    if profile is not None:
        return [
            leaks.SpeakerIdentity(
                name=profile.name,
                email=profile.email,
                affiliation=profile.affiliation,
                links=profile.links,
            )
        ]
    return [
        leaks.SpeakerIdentity(
            name=request.user.first_name or "",  # type: ignore[union-attr]
            email=request.user.email or "",  # type: ignore[union-attr]
        )
    ]


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = forms.ProfileForm(request.POST)
        if form.is_valid():
            services.save_speaker_profile(
                user=request.user,  # type: ignore[arg-type]
                data=form.data_object(),
            )
            messages.success(request, _("Your speaker profile is saved."))
            return redirect("profile")
        status = 400
    else:
        current = queries.speaker_profile(user_id=user_id(request))
        initial: dict[str, str] = {"name": request.user.first_name}  # type: ignore[union-attr]
        if current is not None:
            initial = {
                "name": current.name,
                "bio": current.bio,
                "affiliation": current.affiliation,
                "links": "\n".join(current.links),
                "region": current.region,
                "spoken_before": forms.tri_initial(current.spoken_before),
                "english_additional": forms.tri_initial(current.english_additional),
                "wants_mentor": forms.tri_initial(current.wants_mentor),
            }
        form = forms.ProfileForm(initial=initial)
    return page(request, "cfp/profile.html", {"form": form}, status=status)


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = forms.SignUpForm(request.POST)
        if form.is_valid():
            try:
                services.sign_up(
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    verify_url=_verify_url(request, form.cleaned_data["next"]),
                    now=timezone.now(),
                )
            except services.UnableToSignUp as exc:
                form.add_error("email", str(exc))
            else:
                return page(request, "registration/signup_sent.html", {})
        status = 400
    else:
        form = forms.SignUpForm(initial={"next": redirects.local_path(request.GET.get("next"))})
    return page(request, "registration/signup.html", {"form": form}, status=status)


def _verify_url(request: HttpRequest, next_path: str = "") -> str:
    """The address-confirmation link with ``TOKEN`` in place of its token."""
    url = request.build_absolute_uri(reverse("verify_email", kwargs={"token": "TOKEN"}))
    return url + "?" + urlencode({"next": next_path}) if next_path else url


@require_http_methods(["GET", "HEAD", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: GET shows the form, and only its POST sets the password and activates.

    Opening the link (a mail scanner does) changes nothing; the password that will work is the
    one typed here, by whoever received the link.
    """
    now = timezone.now()
    link = queries.confirmation_link(token_hash=services.token_hash(token))
    problem = services.confirmation_problem(link=link, now=now)
    if link is None or problem is not None:
        return _link_error(request, problem or "")
    if request.method == "POST":
        form = forms.ConfirmAddressForm(request.POST, email=link.email)
        if form.is_valid():
            try:
                user = services.verify_email(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                    now=now,
                )
            except services.UnableToVerify as exc:
                return _link_error(request, str(exc))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
            messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
            return redirects.safe_redirect(request.GET.get("next"), default=reverse("home"))
        status = 400
    else:
        form = forms.ConfirmAddressForm(email=link.email, initial={"name": link.name})
        status = 200
    return page(
        request,
        "registration/verify_email.html",
        {"form": form, "email": link.email},
        status=status,
    )


def _link_error(request: HttpRequest, message: str) -> HttpResponse:
    return page(
        request,
        "error.html",
        {"title": _("Link not valid"), "message": message},
        status=400,
    )


class LoginView(redirects.LocalNextMixin, auth_views.LoginView):
    pass


class LogoutView(redirects.LocalNextMixin, auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, plus: an account still waiting for its address to be confirmed has no
    password to reset, so its owner gets a fresh confirmation link that sets one."""

    form_class = forms.PlainPasswordResetForm

    def form_valid(self, form: forms.PlainPasswordResetForm) -> HttpResponse:
        services.resend_verification(
            email=form.cleaned_data["email"],
            verify_url=_verify_url(self.request),
            now=timezone.now(),
        )
        return super().form_valid(form)
