"""The interface language a signed-in person chose, carried in their session (issue 24).

The choice is stored in ``cfp.PersonSettings.language``; reading it there on every request would
cost a query per page, so it is copied into the session when they log in or choose, and the
locale middleware (``cfp.middleware.LocaleMiddleware``) reads it from there. An anonymous
visitor's choice lives in Django's language cookie, which the switcher sets for everyone.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "person_language"


def interface_codes() -> frozenset[str]:
    return frozenset(code for code, _name in settings.LANGUAGES)


def supported(code: str) -> str:
    """``code`` if it is an interface language, else "" (a stale or forged value is ignored)."""
    return code if code in interface_codes() else ""


def remember(request: HttpRequest, code: str) -> None:
    """Make ``code`` this session's language ("" forgets the choice)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if supported(code):
        session[SESSION_KEY] = code
    else:
        session.pop(SESSION_KEY, None)


def remembered(request: HttpRequest) -> str:
    """The language this session's person chose, or "" (no session read without its cookie)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    return supported(str(session.get(SESSION_KEY, "")))
