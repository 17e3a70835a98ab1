"""Attach the current person (a frozen dataclass) to each request, built on first use; pick the
interface language (the person's stored choice first)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware import locale
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from cfp.queries import people
from common import languages


def _build(request: HttpRequest) -> people.Person:
    user = request.user
    if not user.is_authenticated:
        return people.ANONYMOUS
    return people.person(
        user_id=user.pk,
        username=user.get_username(),
        first_name=getattr(user, "first_name", ""),
        is_staff=bool(getattr(user, "is_staff", False)),
    )


class PersonMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.person = SimpleLazyObject(lambda: _build(request))  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_template_response(
        self, request: HttpRequest, response: TemplateResponse
    ) -> TemplateResponse:
        # Django's own views (log-in, password reset) render after this hook; build the person
        # now so no query runs while their templates render.
        person = getattr(request, "person", None)
        if person is not None:
            bool(person)
        return response


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's language choice (the language cookie, then the browser's Accept-Language) under
    the signed-in person's stored choice, which wins once they made one (issue 24)."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = languages.remembered(request)
        if not chosen:
            super().process_request(request)
            return
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
