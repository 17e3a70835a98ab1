"""Chairs dismiss a notice about what a speaker did after acceptance (issue 19); the notices
themselves are listed on the shortlist page (``reviews.queries.notices``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cfp import access
from cfp import queries as cfp_queries
from cfp.services import notices
from common.render import user_id


@require_POST
@access.chair_required
def dismiss(
    request: HttpRequest, member: cfp_queries.CallMembership, notice_id: int
) -> HttpResponse:
    try:
        notices.dismiss_notice(
            call_id=member.call_id,
            notice_id=notice_id,
            actor_id=user_id(request),
            now=timezone.now(),
        )
    except notices.UnableToDismiss as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, _("Notice dismissed. The audit log keeps it."))
    return redirect(reverse("chair:shortlist", args=[member.slug]) + "#notices")
