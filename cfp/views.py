"""Views for everyone and for submitters: check access, parse, one service call, query, render."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth import login
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
    if request.method == "POST":
        form = forms.ProposalForm(request.POST, call=call)
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
        form = forms.ProposalForm(call=call, initial={"token": secrets.token_hex(16)})
        status = 200
    return page(
        request,
        "cfp/proposal_form.html",
        {"call": call, "form": form, "is_open": call.is_open(now), "proposal": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def mine(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(slug)
    rows = queries.my_proposals(user_id=user_id(request), call_slug=slug)
    return page(request, "cfp/mine.html", {"call": call, "proposals": rows})


@login_required
@ratelimit(key="user_or_ip", rate="60/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def mine_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    call = _call_or_404(slug)
    proposal = queries.owned_proposal(user_id=user_id(request), call_slug=slug, code=code)
    if proposal is None:
        raise Http404(_("No such proposal."))
    now = timezone.now()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        try:
            services.withdraw_proposal(call_slug=slug, code=code, user_id=user_id(request), now=now)
        except services.UnableToSubmit as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your proposal was withdrawn."))
        return redirect("cfp:mine_detail", slug=slug, code=code)
    if request.method == "POST":
        form = forms.ProposalForm(request.POST, call=call)
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
        status = 400
    else:
        form = forms.ProposalForm(call=call, initial=_proposal_initial(proposal))
    return page(
        request,
        "cfp/proposal_form.html",
        {
            "call": call,
            "form": form,
            "proposal": proposal,
            "is_open": call.is_open(now)
            or bool(proposal.reopened_until and now < proposal.reopened_until),
            "findings": _findings_view(proposal.findings),
        },
        status=status,
    )


def _findings_view(findings: tuple[dict[str, object], ...]) -> tuple[dict[str, str], ...]:
    out = []
    for f in findings:
        if f.get("ignored"):
            continue
        kind = leaks.FindingKind(str(f["kind"]))
        out.append(
            {
                "field": str(f["field"]),
                "kind": str(kind),
                "text": str(f["text"]),
                "explanation": leaks.explain(kind),
            }
        )
    return tuple(out)


@login_required
@require_POST
def scan_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The live leak check while a speaker types (htmx, debounced)."""
    _call_or_404(slug)
    form = forms.ScanForm(request.POST)
    profile = queries.speaker_profile(user_id=user_id(request))
    identities = []
    if profile is not None:
        identities.append(
            leaks.SpeakerIdentity(
                name=profile.name,
                email=profile.email,
                affiliation=profile.affiliation,
                links=profile.links,
            )
        )
    else:
        identities.append(
            leaks.SpeakerIdentity(
                name=request.user.first_name or "",  # type: ignore[union-attr]
                email=request.user.email or "",  # type: ignore[union-attr]
            )
        )
    found: tuple[dict[str, object], ...] = ()
    if form.is_valid():
        _redacted, raw = services.scan_fields(
            fields={k: v for k, v in form.cleaned_data.items() if v}, speakers=identities
        )
        found = tuple(raw)
    # Only the findings box changes, with or without htmx.
    return page(
        request,
        "cfp/proposal_form.html#findings",
        {"findings": _findings_view(found), "checked": True},
    )


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
            return redirect("cfp:profile")
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
                    password=form.cleaned_data["password"],
                    verify_url=request.build_absolute_uri(
                        reverse("verify_email", kwargs={"token": "TOKEN"})
                    ),
                    now=timezone.now(),
                )
            except services.UnableToSignUp as exc:
                form.add_error("email", str(exc))
            else:
                return page(request, "registration/signup_sent.html", {})
        status = 400
    else:
        form = forms.SignUpForm()
    return page(request, "registration/signup.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.verify_email(token=token)
    except services.UnableToVerify as exc:
        return page(
            request,
            "error.html",
            {"title": _("Link not valid"), "message": str(exc)},
            status=400,
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
    messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
    return redirect("home")
