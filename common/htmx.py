"""htmx, decided once: the request type views annotate with, and whether to answer with a fragment.

Views take ``HtmxHttpRequest`` (django-htmx's middleware sets ``request.htmx`` on every request),
ask :func:`wants_fragment` instead of reading headers, and build htmx responses with
``django_htmx.http`` (``HttpResponseLocation``, ``HttpResponseClientRedirect``, ``retarget``,
``reswap``, ``trigger_client_event``). The ``Vary`` header that keeps full pages and fragments apart
in caches is set for every response in ``common.middleware.PrivatePagesMiddleware``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

# What a page and its fragment differ by; one list for the middleware that sets Vary.
VARY_ON = ("HX-Request", "HX-Target", "HX-History-Restore-Request")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent this request (any kind: a swap, a poll, a history restore)."""
    details = getattr(request, "htmx", None)
    return bool(details)


def wants_fragment(request: HttpRequest) -> bool:
    """Whether to answer with the named partial rather than the whole page.

    htmx restoring history after "back", and navigation that targets the whole main region
    (HX-Location, boosted links), need the whole page, as a plain request would.
    """
    details = getattr(request, "htmx", None)
    if not details:
        return False
    return not details.history_restore_request and details.target != "main"
