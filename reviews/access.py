"""Access checks for per-call roles. A person without the role gets 404: existence stays hidden."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from cfp import queries as cfp_queries
from reviews import queries

CHAIR = "chair"
REVIEWER = "reviewer"

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, queries.CallAccess, P], HttpResponse]


def role_required(
    role: str,
) -> Callable[[View[P]], Callable[Concatenate[HttpRequest, str, P], HttpResponse]]:
    def decorator(view: View[P]) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, *args: P.args, **kwargs: P.kwargs) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = queries.call_access(user_id=request.user.pk, slug=slug, role=role)
            if access is None:
                raise Http404(_("No such page."))
            return view(request, access, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def call_or_404(slug: str) -> cfp_queries.CallSummary:
    call = cfp_queries.call_summary(slug=slug)
    if call is None:  # pragma: no cover - access already proved the call exists
        raise Http404
    return call
