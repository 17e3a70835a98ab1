"""The language switcher's target, and the stored choice brought back at log-in (issue 24)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import i18n
from django.views.decorators.http import require_POST

from cfp.queries import personal_settings
from cfp.services import settings as settings_services
from common import languages, redirects


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (the language cookie, back to ``next``), which a signed-in person's
    choice also stores, so it follows them to every browser and into their e-mails."""
    response = i18n.set_language(request)
    if isinstance(response, HttpResponseRedirect):
        # Django's own check follows "on" or "home" (relative addresses on this host) and the
        # Referer; ``next`` obeys the site's one rule instead (common.redirects).
        response["Location"] = redirects.local_path(request.POST.get("next")) or reverse("home")
    code = languages.supported(request.POST.get("language", ""))
    if code and request.user.is_authenticated:
        settings_services.save_language(
            user_id=int(request.user.pk), language=code, now=timezone.now()
        )
        languages.remember(request, code)
    return response


def restore_language(
    sender: Any, *, request: HttpRequest, user: AbstractBaseUser, **_: Any
) -> None:
    """``user_logged_in``: the language the person chose before, in this session from now on."""
    if request is None or user.pk is None:
        return
    code = personal_settings.language(user_id=int(user.pk))
    if code:
        languages.remember(request, code)
