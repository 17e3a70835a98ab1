"""A person's own settings page (/me/settings/): one form per section, each saved on its own.

The sections come from ``cfp.forms.settings.sections_for`` (cfp's own and those other apps
register). A plain POST saves the section named by its button and comes back to the page; an
htmx POST gets that section's fragment back, with its message or its errors in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp.forms import settings as settings_forms
from cfp.services.settings import UnableToSaveSettings
from common.htmx import HtmxHttpRequest, is_htmx
from common.render import page, user_id

TEMPLATE = "cfp/settings.html"


@dataclass(frozen=True)
class SectionView:
    """What the template shows of one section."""

    key: str
    title: str
    intro: str
    form: forms.Form
    saved: bool = False


def _view(section: settings_forms.Section, form: forms.Form, *, saved: bool = False) -> SectionView:
    return SectionView(
        key=section.key, title=section.title, intro=section.intro, form=form, saved=saved
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request: HtmxHttpRequest) -> HttpResponse:
    me = user_id(request)
    sections = settings_forms.sections_for(user_id=me)
    if request.method != "POST":
        return page(request, TEMPLATE, {"sections": tuple(_view(s, s.form()) for s in sections)})
    chosen = next((s for s in sections if s.key == request.POST.get("section")), None)
    if chosen is None:
        # A section that is not (or no longer) the person's: a stale page, nothing is saved.
        messages.error(request, _("That part of the page changed; nothing was saved. Try again."))
        return page(
            request,
            TEMPLATE,
            {"sections": tuple(_view(s, s.form()) for s in sections)},
            status=400,
        )
    form = chosen.form(request.POST)
    if form.is_valid():
        try:
            chosen.save(cleaned_data=form.cleaned_data, user_id=me, now=timezone.now())
        except UnableToSaveSettings as exc:
            form.add_error(None, str(exc))
        else:
            if chosen.after_save is not None:
                chosen.after_save(request, form.cleaned_data)
            if is_htmx(request):
                fresh = next(
                    s for s in settings_forms.sections_for(user_id=me) if s.key == chosen.key
                )
                return page(
                    request,
                    TEMPLATE,
                    {"section": _view(fresh, fresh.form(), saved=True)},
                    partial="section",
                )
            messages.success(request, _("Saved: %(section)s.") % {"section": chosen.title})
            return redirect(reverse("settings") + f"#{chosen.key}")
    if is_htmx(request):
        # htmx swaps only 2xx answers: the section comes back with its errors in place.
        return page(request, TEMPLATE, {"section": _view(chosen, form)}, partial="section")
    views = tuple(_view(s, form if s.key == chosen.key else s.form()) for s in sections)
    return page(request, TEMPLATE, {"sections": views}, status=400)
