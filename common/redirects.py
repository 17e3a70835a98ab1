"""Where a ``next`` address from a form or a query string may send someone: one rule, here.

A value from input is followed only when it is a path on this site: it starts with a single
"/", holds no backslash (browsers read it as a slash), no control, format or space character
(browsers drop tabs and newlines, so "/\\t/evil.example" would become "//evil.example"), no
scheme and no host. Anything else gives the caller's default. The value is never handed to
``django.shortcuts.redirect``, which would try a string without "/" as a view name ("on" raised
NoReverseMatch, an HTTP 500).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from django.contrib.auth.views import RedirectURLMixin
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

# Our own addresses are far shorter; a longer value is not one of them.
MAX_LENGTH = 1000


def _is_forbidden(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "CZ"


def local_path(candidate: object) -> str:
    """``candidate`` if it is a path on this site, else ""."""
    if not isinstance(candidate, str) or not 0 < len(candidate) <= MAX_LENGTH:
        return ""
    if not candidate.startswith("/") or candidate.startswith("//"):
        return ""
    if "\\" in candidate or any(_is_forbidden(char) for char in candidate):
        return ""
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return ""
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts=None):
        return ""
    return candidate


def safe_redirect(candidate: object, *, default: str) -> HttpResponseRedirect:
    """A redirect to ``candidate`` if it is a path on this site, else to ``default``.

    ``default`` is a URL the caller built (with ``reverse``), never a view name.
    """
    return HttpResponseRedirect(local_path(candidate) or default)


class LocalNextMixin(RedirectURLMixin):
    """For Django's log-in and log-out views: their ``next`` obeys the same rule.

    Django's own check lets "on" or "home" through (relative addresses on this host).
    """

    def get_redirect_url(self) -> str:
        return local_path(super().get_redirect_url())
