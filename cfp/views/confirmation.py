"""An accepted speaker confirms or declines on the proposal page (issue 19). Works without
JavaScript; declining asks first, because it cannot be undone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from cfp.domain import confirmation as rules
from cfp.queries.acceptance import acceptance
from cfp.services import confirmation as services
from cfp.views.public import call_or_404
from cfp.views.speaker import mine_or_404
from common.render import page, user_id


def _answer(request: HttpRequest, slug: str, code: str, answer: str) -> HttpResponse:
    try:
        changed = services.answer_acceptance(
            call_slug=slug, code=code, user_id=user_id(request), answer=answer, now=timezone.now()
        )
    except services.UnableToAnswer as exc:
        messages.error(request, str(exc))
    else:
        if answer == rules.CONFIRMED:
            messages.success(
                request,
                _("Thank you: you confirmed your talk.")
                if changed
                else _("You had confirmed already."),
            )
        else:
            messages.success(
                request, _("You declined. The chairs are told; thank you for letting us know.")
            )
    return redirect("cfp:mine_detail", slug=slug, code=code)


@login_required
@ratelimit(key="user_or_ip", rate="60/h", method="POST", block=True)
@require_POST
def confirm(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Confirm an accepted proposal: the speaker will give the talk."""
    call_or_404(slug)
    mine_or_404(request, slug, code)
    return _answer(request, slug, code, rules.CONFIRMED)


@login_required
@ratelimit(key="user_or_ip", rate="60/h", method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def decline(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Ask before declining (GET), then decline (POST)."""
    call = call_or_404(slug)
    proposal = mine_or_404(request, slug, code)
    if request.method == "POST":
        return _answer(request, slug, code, rules.DECLINED)
    state = acceptance(call=call, proposal=proposal, now=timezone.now())
    if not state.asked:
        raise Http404(_("No such proposal."))
    return page(
        request,
        "cfp/decline_confirm.html",
        {"call": call, "proposal": proposal, "acceptance": state},
    )
