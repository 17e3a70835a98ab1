"""Reviewer invitations: the chair's reviewers page and the accept link from the e-mail."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cfp import access
from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import tokens
from common.htmx import HtmxHttpRequest, is_htmx, wants_fragment
from common.render import page, user_id
from reviews.forms import invitations as forms
from reviews.queries import invitations as invitation_queries
from reviews.queries import leniency
from reviews.queries import reviewers as reviewer_queries
from reviews.services import invitations
from reviews.services import reviewers as reviewer_services


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def reviewers(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    """Who reviews this call, how far they are, who is invited; POST invites more people."""
    now = timezone.now()
    status = 200
    notice = ""
    refused: tuple[str, ...] = ()
    if request.method == "POST":
        form = forms.InviteForm(request.POST)
        if form.is_valid():
            try:
                outcome = invitations.invite_reviewers(
                    call_id=member.call_id,
                    emails=form.cleaned_data["emails"],
                    invited_by_id=user_id(request),
                    accept_url=_accept_url(request, member.slug),
                    now=now,
                    may_forward=form.cleaned_data["may_forward"],
                    role=form.cleaned_data["role"],
                )
            except invitations.UnableToInvite as exc:
                form.add_error("emails", str(exc))
            else:
                notice = _outcome_message(outcome)
                if outcome.refused:
                    # The bad addresses stay in the box, reported by themselves, to be fixed;
                    # everyone else is invited.
                    form = forms.InviteForm(initial={"emails": "\n".join(outcome.refused)})
                    refused = outcome.refused
                elif not is_htmx(request):
                    messages.success(request, notice)
                    return redirect("reviewers:list", slug=member.slug)
                else:
                    form = forms.InviteForm()
        if form.errors:
            # htmx swaps only 2xx answers; the fragment carries the errors and the typed text.
            status = 200 if is_htmx(request) else 400
    else:
        form = forms.InviteForm()
    return page(
        request,
        "reviews/invite_reviewers.html",
        {
            "call": member,
            "form": form,
            "notice": notice,
            "refused": refused,
            "reviewers": reviewer_queries.call_reviewers(call_id=member.call_id),
            # Each reviewer's leniency (issue 19): templates/reviews/includes/leniency.html
            "leniency": (
                None if wants_fragment(request) else leniency.leniency_panel(call_id=member.call_id)
            ),
            "invitations": invitation_queries.open_invitations(call_id=member.call_id, now=now),
        },
        partial="invitations",
        status=status,
    )


def _outcome_message(outcome: invitations.InviteOutcome) -> str:
    parts = []
    if outcome.invited:
        parts.append(
            ngettext(
                "Invitation sent to %(n)s person.",
                "Invitations sent to %(n)s people.",
                len(outcome.invited),
            )
            % {"n": len(outcome.invited)}
        )
    if outcome.already_reviewers:
        parts.append(
            _("Already reviewers, not invited again: %(who)s")
            % {"who": ", ".join(outcome.already_reviewers)}
        )
    return " ".join(parts)


def _accept_url(request: HttpRequest, slug: str) -> str:
    return request.build_absolute_uri(
        reverse("reviews:accept_invitation", kwargs={"slug": slug, "token": "TOKEN"})
    )


@require_POST
@access.chair_required
def resend(
    request: HttpRequest, member: cfp_queries.CallMembership, invitation_id: int
) -> HttpResponse:
    """A new link for a pending or expired invitation; the older one stops working."""
    try:
        outcome = invitations.resend_invitation(
            call_id=member.call_id,
            invitation_id=invitation_id,
            actor_id=user_id(request),
            accept_url=_accept_url(request, member.slug),
            now=timezone.now(),
        )
    except invitations.UnableToInvite as exc:
        raise Http404(str(exc)) from exc
    if outcome.invited:
        messages.success(
            request, _("A new link was sent to %(email)s.") % {"email": outcome.invited[0]}
        )
    else:
        messages.info(request, _outcome_message(outcome))
    return redirect(reverse("reviewers:list", kwargs={"slug": member.slug}) + "#pending-title")


@require_POST
@access.chair_required
def revoke(
    request: HttpRequest, member: cfp_queries.CallMembership, invitation_id: int
) -> HttpResponse:
    """Withdraw a pending invitation: its link stops working, an unsent e-mail is not sent."""
    try:
        email = invitations.revoke_invitation(
            call_id=member.call_id,
            invitation_id=invitation_id,
            actor_id=user_id(request),
            now=timezone.now(),
        )
    except invitations.UnableToInvite as exc:
        raise Http404(str(exc)) from exc
    messages.success(
        request,
        _("The invitation to %(email)s was withdrawn; its link no longer works.")
        % {"email": email},
    )
    return redirect(reverse("reviewers:list", kwargs={"slug": member.slug}) + "#pending-title")


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def remove_reviewer(
    request: HttpRequest, member: cfp_queries.CallMembership, reviewer_id: int
) -> HttpResponse:
    """GET: what removing this reviewer does; POST: remove them (their open work moves)."""
    impact = reviewer_queries.removal_impact(call_id=member.call_id, reviewer_id=reviewer_id)
    if impact is None:
        raise Http404(_("This person does not review this call."))
    if request.method == "POST":
        try:
            outcome = reviewer_services.remove_reviewer(
                call_id=member.call_id,
                reviewer_id=reviewer_id,
                actor_id=user_id(request),
                now=timezone.now(),
            )
        except reviewer_services.UnableToRemove as exc:  # pragma: no cover - removed meanwhile
            raise Http404(str(exc)) from exc
        messages.success(
            request,
            _(
                "%(name)s no longer reviews this call: %(kept)s reviews kept, %(released)s open "
                "assignments handed back, %(new)s new assignments made."
            )
            % {
                "name": impact.name,
                "kept": outcome.kept_reviews,
                "released": outcome.released,
                "new": outcome.reassigned,
            },
        )
        return redirect("reviewers:list", slug=member.slug)
    return page(request, "reviews/remove_reviewer.html", {"call": member, "impact": impact})


def _problem(
    request: HttpRequest, state: invitation_queries.InvitationState | None
) -> HttpResponse:
    if state is None:
        message = _(
            "This invitation link is not valid. Check that you opened the whole link from the "
            "e-mail, or ask the chairs for a new one."
        )
        status = 404
    elif state.status == invitation_queries.InvitationStatus.USED:
        message = _("This invitation link was used already. Ask the chairs for a new one.")
        status = 410
    else:
        message = _("This invitation link has expired. Ask the chairs for a new one.")
        status = 410
    return page(
        request, "reviews/invite_accept.html", {"problem": message, "state": state}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
def accept(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """The link from the e-mail: sign in (or up), say what you can review, and join the call."""
    now = timezone.now()
    state = invitation_queries.invitation_state(
        slug=slug, token_hash=tokens.token_hash(token[:200]), now=now
    )
    used_by_me = (
        state is not None
        and state.status == invitation_queries.InvitationStatus.USED
        and request.user.is_authenticated
        and state.accepted_by_id == request.user.pk
    )
    if state is not None and used_by_me:
        messages.info(request, _("You accepted this invitation already."))
        return redirect("reviews:queue", slug=state.call_slug)
    if state is None or state.status != invitation_queries.InvitationStatus.VALID:
        return _problem(request, state)
    here = request.path
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(here)
        return page(
            request,
            "reviews/invite_accept.html",
            {
                "state": state,
                "login_url": f"{reverse('login')}?{urlencode({'next': here})}",
                "signup_url": f"{reverse('signup')}?{urlencode({'next': here})}",
            },
        )
    if not state.may_forward and not invitations.is_invited_person(
        invited_email=state.email,
        person_email=getattr(request.user, "email", "") or "",
    ):
        # Bound to the invited address: someone else signed in (a forwarded mail, a shared
        # computer) is told whom the link is for and how to switch, and nothing is granted.
        return page(
            request,
            "reviews/invite_accept.html",
            {
                "state": state,
                "other_person": True,
                "signed_in_as": getattr(request.user, "email", "") or "",
                "login_url": f"{reverse('login')}?{urlencode({'next': here})}",
            },
            status=403,
        )
    status = 200
    if request.method == "POST":
        form = forms.AcceptInvitationForm(
            request.POST, languages=state.languages, tracks=state.tracks
        )
        if form.is_valid():
            try:
                role = invitations.accept_invitation(
                    slug=slug,
                    token=token,
                    user_id=user_id(request),
                    languages=form.cleaned_data["languages"],
                    tracks=form.cleaned_data["tracks"],
                    max_load=form.cleaned_data["max_load"],
                    now=now,
                )
            except invitations.UnableToAccept as exc:
                if exc.reason != "input":  # pragma: no cover - changed since the read
                    return page(
                        request, "reviews/invite_accept.html", {"problem": str(exc)}, status=410
                    )
                form.add_error(None, str(exc))
            else:
                if role == cfp_models.Role.MENTOR:  # issue 25
                    messages.success(
                        request,
                        _("Welcome, mentor of %(call)s. We e-mail you when a speaker is matched.")
                        % {"call": state.call_name},
                    )
                    return redirect("mentor_home", slug=state.call_slug)
                messages.success(
                    request,
                    _(
                        "Welcome to the committee of %(call)s. Your queue fills once the chairs "
                        "assign proposals."
                    )
                    % {"call": state.call_name},
                )
                return redirect("reviews:queue", slug=state.call_slug)
        status = 400
    else:
        form = forms.AcceptInvitationForm(
            languages=state.languages,
            tracks=state.tracks,
            initial={"languages": list(state.languages)},
        )
    return page(
        request, "reviews/invite_accept.html", {"state": state, "form": form}, status=status
    )
