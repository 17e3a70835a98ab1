"""The chairs' mentoring page (issue 25): open requests with their state (never a draft's text),
the mentors and their loads, reports, the call's two settings, the matching run and matching by
hand."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cfp import access
from cfp import queries as cfp_queries
from cfp.forms import mentoring as forms
from cfp.queries import mentoring as queries
from cfp.services import mentoring as cfp_mentoring
from common.render import page, user_id
from reviews.services import mentor_matching

TEMPLATE = "cfp/mentoring_chair.html"


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def mentoring_page(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    overview = queries.chair_mentoring(call_id=member.call_id)
    choices = tuple((m.id, f"{m.name} ({m.load})") for m in overview.mentors)
    match_form = forms.MatchForm(mentors=choices)
    settings_form = forms.MentoringSettingsForm(
        initial={
            "reviewers_may_mentor": overview.reviewers_may_mentor,
            "mentors_may_review": overview.mentors_may_review,
        }
    )
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        now = timezone.now()
        try:
            if action == "run":
                result = mentor_matching.match_mentors(
                    call_id=member.call_id, now=now, site_url=_site(request)
                )
                messages.success(
                    request,
                    ngettext(
                        "%(n)d request matched.", "%(n)d requests matched.", len(result.matched)
                    )
                    % {"n": len(result.matched)}
                    + (
                        " "
                        + _("Still without a mentor: %(codes)s.")
                        % {"codes": ", ".join(result.unmatched)}
                        if result.unmatched
                        else ""
                    ),
                )
                return redirect("chair:mentoring", slug=member.slug)
            if action == "match":
                match_form = forms.MatchForm(request.POST, mentors=choices)
                if match_form.is_valid():
                    code = match_form.cleaned_data["code"]
                    cfp_mentoring.match_mentor(
                        call_id=member.call_id,
                        code=code,
                        mentor_id=match_form.cleaned_data["mentor"],
                        chair_id=user_id(request),
                        now=now,
                        site_url=_site(request),
                    )
                    messages.success(request, _("%(code)s matched.") % {"code": code})
                    return redirect("chair:mentoring", slug=member.slug)
                error = _("Choose a request and one of the call's mentors.")
            elif action == "settings":
                settings_form = forms.MentoringSettingsForm(request.POST)
                if settings_form.is_valid():
                    changed = cfp_mentoring.update_mentoring_settings(
                        call_id=member.call_id,
                        chair_id=user_id(request),
                        now=now,
                        **settings_form.cleaned_data,
                    )
                    if changed:
                        messages.success(request, _("Mentoring settings saved."))
                    return redirect("chair:mentoring", slug=member.slug)
            else:
                error = _("Choose one of the buttons on the page.")
        except cfp_mentoring.UnableToMentor as exc:
            error = str(exc)
        context = _context(member, overview, match_form, settings_form, error)
        return page(request, TEMPLATE, context, status=400)
    return page(request, TEMPLATE, _context(member, overview, match_form, settings_form, error))


def _context(
    member: cfp_queries.CallMembership,
    overview: queries.ChairMentoring,
    match_form: forms.MatchForm,
    settings_form: forms.MentoringSettingsForm,
    error: str,
) -> dict[str, Any]:
    return {
        "member": member,
        "overview": overview,
        "match_form": match_form,
        "settings_form": settings_form,
        "error": error,
        "volunteer_url": reverse("mentor_volunteer", args=[member.slug]),
    }
