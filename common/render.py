"""Rendering that cannot run SQL.

Views render through :func:`page`, which forbids database queries while a template renders
(django-zen-queries) and picks the htmx partial of the same template when the request asks for
one. A slip, such as a template touching a lazy relation, raises in tests instead of slowing a
page down on deadline night.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from zen_queries import queries_disabled

from common import htmx


def page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Render ``template`` (or ``template#partial`` for htmx requests) without queries.

    ``partial`` names the ``{% partialdef %}`` sent back to htmx requests; a plain request
    always gets the whole page so every control works without JavaScript.
    """
    fragment = partial is not None and htmx.wants_fragment(request)
    name = f"{template}#{partial}" if fragment else template
    if not fragment:
        # The navigation needs the current person; build it before queries are switched off.
        person = getattr(request, "person", None)
        if person is not None:
            bool(person)
    with queries_disabled():
        body = render_to_string(name, dict(context), request=request)
    response = HttpResponse(body, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def user_id(request: HttpRequest) -> int:
    """The signed-in person's id; views call it only behind a log-in check."""
    pk = request.user.pk
    if pk is None:  # pragma: no cover - guarded by login_required / role_required
        raise PermissionError("not signed in")
    return int(pk)
