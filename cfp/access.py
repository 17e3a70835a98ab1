"""The one access check for per-call pages: the person must hold the role in the call.

Everyone else gets 404, so a call's existence stays hidden from outsiders; an anonymous visitor is
sent to log in. The view receives the ``Membership`` (what every guarded page needs: the call, the
role, and the call's blindness phase) instead of the slug. Reviewer, chair and diversity pages all
use :func:`role_required`; ``tests/test_policy_guard.py`` fails when a module reads role
memberships without it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from cfp import models
from cfp.queries import membership

CHAIR = models.Role.CHAIR
REVIEWER = models.Role.REVIEWER
Membership = membership.CallMembership

P = ParamSpec("P")
# The request type the view annotates (HttpRequest, or common.htmx.HtmxHttpRequest).
R = TypeVar("R", bound=HttpRequest)
MemberView = Callable[Concatenate[R, Membership, P], HttpResponse]
SlugView = Callable[Concatenate[R, str, P], HttpResponse]


def role_required(role: models.Role) -> Callable[[MemberView[R, P]], SlugView[R, P]]:
    def decorator(view: MemberView[R, P]) -> SlugView[R, P]:
        @wraps(view)
        def wrapped(request: R, slug: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = membership.call_membership(user_id=int(request.user.pk), slug=slug, role=role)
            if member is None:
                raise Http404(_("No such page."))
            return view(request, member, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


chair_required = role_required(CHAIR)
reviewer_required = role_required(REVIEWER)


def staff_required(view: Callable[Concatenate[R, P], HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only (setting up calls, issue 19): anonymous visitors log in, everyone else 404.

    Staff is the installation's operators (``is_staff``); a call's chairs are chairs of that
    call only and cannot create others.
    """

    @wraps(view)
    def wrapped(request: R, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(request.user, "is_staff", False):
            raise Http404(_("No such page."))
        return view(request, *args, **kwargs)

    return wrapped
