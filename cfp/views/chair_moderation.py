"""A chair's actions on one proposal: reopening it for changes after the deadline, and ruling
scanner findings "not a leak".

Chairs of the call only (``cfp.access.chair_required``); everyone else gets 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp import services
from cfp.access import chair_required
from cfp.forms import fields as form_fields
from cfp.forms import moderation as moderation_forms
from cfp.queries import findings as finding_queries
from cfp.queries.membership import CallMembership
from common import htmx, redirects
from common.htmx import HtmxHttpRequest
from common.render import page, user_id


@require_http_methods(["GET", "HEAD", "POST"])
@chair_required
def reopen(request: HtmxHttpRequest, chair: CallMembership, code: str) -> HttpResponse:
    """Let one proposal's speakers save again after the deadline, until a given time."""
    ref = finding_queries.chair_proposal_ref(call_id=chair.id, code=code, phase=chair.phase)
    if ref is None:
        raise Http404(_("No such proposal."))
    status = 200
    if request.method == "POST":
        form = moderation_forms.ReopenForm(request.POST, zone=chair.timezone)
        if form.is_valid():
            try:
                services.reopen_proposal(
                    call_slug=chair.slug,
                    code=code,
                    until=form.until_at(),
                    actor_id=user_id(request),
                    now=timezone.now(),
                )
            except services.UnableToReopen as exc:
                form.add_error("until", str(exc))
            else:
                messages.success(request, _("The speakers can save changes until then."))
                return redirect("callsettings:reopen", slug=chair.slug, code=code)
        status = 400
    else:
        default = max(chair.closes_at, timezone.now()) + dt.timedelta(days=2)
        form = moderation_forms.ReopenForm(
            zone=chair.timezone,
            initial={
                "until": form_fields.wall_clock(ref.reopened_until or default, chair.timezone)
            },
        )
    return page(
        request,
        "cfp/chair_reopen.html",
        {"chair": chair, "proposal": ref, "form": form, "now": timezone.now()},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@chair_required
def findings(request: HtmxHttpRequest, chair: CallMembership, code: str) -> HttpResponse:
    """The scanner's findings on one proposal; a chair marks one "not a leak"."""
    data = finding_queries.chair_findings(call_id=chair.id, code=code, phase=chair.phase)
    if data is None:
        raise Http404(_("No such proposal."))
    if request.method != "POST":
        return page(request, "cfp/chair_findings.html", {"chair": chair, "data": data})
    form = moderation_forms.FalsePositiveForm(request.POST)
    error = ""
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.mark_false_positive(
                call_slug=chair.slug,
                code=code,
                field=d["field"],
                start=d["start"],
                end=d["end"],
                actor_id=user_id(request),
                now=timezone.now(),
            )
        except services.UnableToMark as exc:
            error = str(exc)
        else:
            if not htmx.wants_fragment(request):
                messages.success(request, _("Marked as not a leak: reviewers now see those words."))
                return redirects.safe_redirect(
                    d["next"], default=reverse("callsettings:findings", args=[chair.slug, code])
                )
            data = finding_queries.chair_findings(call_id=chair.id, code=code, phase=chair.phase)
    else:
        error = _("Choose a finding to mark.")
    return page(
        request,
        "cfp/chair_findings.html",
        {"chair": chair, "data": data, "error": error},
        partial="findings",
        status=400 if error and not htmx.wants_fragment(request) else 200,
    )
