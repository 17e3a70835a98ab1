"""Co-speakers: the owner invites, withdraws an invitation or removes a speaker; the invited
person opens the one-time link and confirms."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from cfp import services
from cfp.forms import cospeakers as cospeaker_forms
from cfp.queries import cospeakers as cospeaker_queries
from cfp.queries import questions as question_queries
from cfp.views.public import call_or_404, error_page
from cfp.views.speaker import detail_page, mine_or_404
from common.render import page, user_id


@login_required
@ratelimit(key="user_or_ip", rate="30/h", method="POST", block=True)
@require_POST
def speakers(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """The owner invites a co-speaker by e-mail, withdraws an invitation or removes a speaker."""
    call = call_or_404(slug)
    proposal = mine_or_404(request, slug, code)
    if not proposal.is_owner:
        messages.error(request, _("Only the proposal's owner can change who speaks on it."))
        return redirect("cfp:mine_detail", slug=slug, code=code)
    form = cospeaker_forms.SpeakerActionForm(request.POST)
    if form.is_valid():
        try:
            done = _change_speakers(request, slug, code, form.cleaned_data)
        except services.UnableToChangeSpeakers as exc:
            field = "email" if form.cleaned_data["action"] == "invite" else None
            form.add_error(field, str(exc))
        else:
            messages.success(request, done)
            return redirect(reverse("cfp:mine_detail", args=[slug, code]) + "#speakers")
    return detail_page(
        request,
        call=call,
        proposal=proposal,
        questions=question_queries.call_questions(call_slug=slug, language=get_language()),
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
    preview = cospeaker_queries.invite_preview(
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
    return error_page(request, title=_("This invitation link cannot be used"), message=message)
