"""Views that belong to no app: error pages and the rate-limit response."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.render import page


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return page(
        request,
        "error.html",
        {
            "title": _("Too many attempts"),
            "message": _("Too many attempts from your address. Wait a few minutes and try again."),
        },
        status=429,
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return page(request, "404.html", {}, status=404)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    return page(request, "403.html", {}, status=403)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return page(
        request,
        "error.html",
        {"title": _("Bad request"), "message": _("The request could not be understood.")},
        status=400,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors, no database: the error may be the database itself.
    from django.template.loader import get_template

    return HttpResponse(get_template("500.html").render({}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return page(
        request,
        "error.html",
        {
            "title": _("Your session expired"),
            "message": _("Go back, reload the page and submit again; copy your text first."),
        },
        status=403,
    )


@require_http_methods(["GET", "HEAD"])
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and the load test's baseline: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")
