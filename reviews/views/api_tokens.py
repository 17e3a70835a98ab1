"""Chairs' API tokens: /chair/<slug>/api-tokens/ (list, make) and …/<token_id>/revoke/ (confirm,
revoke). A new token's secret is shown once, in the answer to the POST that made it, and never
again: it is not stored, not put in the session, not redirected through a URL."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp import access
from cfp import queries as cfp_queries
from common.render import page, user_id
from reviews.forms import api_tokens as forms
from reviews.queries import api_tokens as queries
from reviews.services import api_tokens as services

TEMPLATE = "reviews/api_tokens.html"


def _page(
    request: HttpRequest,
    member: cfp_queries.CallMembership,
    form: forms.NewTokenForm,
    *,
    created: services.CreatedToken | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "call": member,
        "form": form,
        "created": created,
        "tokens": queries.call_tokens(call_id=member.call_id),
        "api_base": request.build_absolute_uri(f"/api/v1/calls/{member.slug}/"),
    }
    # No cache keeps the secret: common.middleware.PrivatePagesMiddleware marks every signed-in
    # page no-store (tests/test_api_tokens_page.py checks this one).
    return page(request, TEMPLATE, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def api_tokens_page(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    if request.method != "POST":
        return _page(request, member, forms.NewTokenForm())
    form = forms.NewTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, member, form, status=400)
    try:
        created = services.create_api_token(
            call_id=member.call_id,
            username=request.user.get_username(),
            scopes=tuple(form.cleaned_data["scopes"]),
            label=form.cleaned_data["label"],
            actor_id=user_id(request),
            now=timezone.now(),
        )
    except services.UnableToCreateToken as exc:
        form.add_error(None, str(exc))
        return _page(request, member, form, status=400)
    return _page(request, member, forms.NewTokenForm(), created=created)


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def revoke_token(
    request: HttpRequest, member: cfp_queries.CallMembership, token_id: int
) -> HttpResponse:
    token = next(
        (t for t in queries.call_tokens(call_id=member.call_id) if t.token_id == token_id), None
    )
    if token is None:
        raise Http404(_("No such token."))
    if request.method != "POST":
        return page(request, "reviews/api_token_revoke.html", {"call": member, "token": token})
    try:
        services.revoke_api_token(
            call_id=member.call_id, token_id=token_id, actor_id=user_id(request), now=timezone.now()
        )
    except services.UnableToRevokeToken as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The token %(prefix)s… is revoked: scripts using it get 401 from now on.")
            % {"prefix": token.prefix},
        )
    return redirect("chair:api_tokens", slug=member.slug)
