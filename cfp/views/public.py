"""The public pages: the list of open calls and one call's page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp.domain import markdown
from cfp.queries import calls
from common.render import page


def error_page(request: HttpRequest, *, title: str, message: str) -> HttpResponse:
    """A page that says why a link or request cannot be used (status 400)."""
    return page(request, "error.html", {"title": title, "message": message}, status=400)


def call_or_404(slug: str) -> calls.CallSummary:
    call = calls.call_summary(slug=slug)
    if call is None:
        raise Http404(_("No such call."))
    return call


@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return page(request, "cfp/home.html", {"calls": calls.listed_calls(now=now), "now": now})


@require_http_methods(["GET", "HEAD"])
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = call_or_404(slug)
    now = timezone.now()
    # In the reader's language when the chairs translated it (issue 24).
    description = call.description_in(get_language())
    return page(
        request,
        "cfp/call_detail.html",
        {
            "call": call,
            "is_open": call.is_open(now),
            "description_html": markdown.render_markdown(text=description.text),
            "description_language": description.language,
        },
    )
