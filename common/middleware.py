"""Cross-cutting response policy."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from common import htmx

# Pages that show unpublished talks, reviews, reports or personal answers: never stored by a
# browser or a shared proxy.
PRIVATE_PREFIXES = ("/review/", "/chair/", "/me/", "/accounts/", "/admin/")


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path
        if path.startswith(PRIVATE_PREFIXES) or "/mine/" in path:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        # Full page and htmx fragment share a URL; caches must keep them apart.
        patch_vary_headers(response, htmx.VARY_ON)
        return response
