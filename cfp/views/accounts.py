"""Signing up, confirming an address (choosing the password there), logging in and out, and
resetting a password.

Enumeration (issue 17): sign-up, log-in and reset answer every address alike (status, page,
queries, queued work); sign-up and reset hand the address to a task that decides what mail is
owed. Rate limits: per client address and per account, the account limit skipped by a browser
that logged in to that account before (the device cookie), so nobody locks an owner out.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from cfp import services
from cfp.forms import accounts as account_forms
from cfp.queries import accounts as account_queries
from cfp.queries import landing as landing_queries
from cfp.views.public import error_page
from common import redirects
from common.render import page

# --- rate limits and the device cookie --------------------------------------------------------

_View = TypeVar("_View", bound=Callable[..., HttpResponse])
_DEVICE_SALT = "cfp.accounts.known-device"
_DEVICE_ACCOUNTS = 5  # a shared family computer may know a few accounts


def _account(value: str) -> str:
    """The rate-limit key of what was typed as an account (never the address itself)."""
    return hashlib.sha256(" ".join(value.split()).lower().encode()).hexdigest()


def _device_mark(account: str) -> str:
    return salted_hmac(_DEVICE_SALT, account).hexdigest()[:32]


def _known_devices(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(settings.DEVICE_COOKIE_NAME, "")
    try:
        marks = signing.loads(raw, salt=_DEVICE_SALT, max_age=settings.DEVICE_COOKIE_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return []
    return [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []


def is_known_device(request: HttpRequest, account: str) -> bool:
    """Whether this browser logged in to ``account`` (a rate-limit key) before."""
    return _device_mark(account) in _known_devices(request)


def remember_device(request: HttpRequest, response: HttpResponse, names: Iterable[str]) -> None:
    """Mark this browser as one the account's owner used (after a successful log-in)."""
    marks = [_device_mark(_account(n)) for n in names if n]
    kept = [m for m in _known_devices(request) if m not in marks]
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        signing.dumps((marks + kept)[:_DEVICE_ACCOUNTS], salt=_DEVICE_SALT),
        max_age=settings.DEVICE_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def over_limit(
    request: HttpRequest, *, flow: str, account: str | None, device_bypass: bool = True
) -> bool:
    """Count this attempt against the client address and, unless this browser is the account's
    known device, against the account; True when either budget is spent. Unknown and known
    accounts are counted alike (the key is what was typed)."""
    rates = settings.AUTH_RATE_LIMITS[flow]
    limited = bool(
        is_ratelimited(request, group=f"{flow}:ip", key="ip", rate=rates["ip"], increment=True)
    )
    if account is not None and not (device_bypass and is_known_device(request, account)):
        limited = (
            bool(
                is_ratelimited(
                    request,
                    group=f"{flow}:account",
                    key=lambda _group, _request: account,
                    rate=rates["account"],
                    increment=True,
                )
            )
            or limited
        )
    return limited


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    """The one answer to a spent budget, whatever the account (it may not exist)."""
    return page(
        request,
        "error.html",
        {
            "title": _("Too many attempts"),
            "message": _(
                "Too many attempts from your address or for this account. Wait a while and "
                "try again. A password-reset link you received still works, and the browser "
                "you last logged in with is not held back."
            ),
        },
        status=429,
    )


def limited_per_person(flow: str) -> Callable[[_View], _View]:
    """For signed-in pages (the live leak check): POSTs count per client address and per person."""

    def decorate(view: _View) -> _View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            person = f"user:{request.user.pk}" if request.user.is_authenticated else None
            if request.method == "POST" and over_limit(
                request, flow=flow, account=person, device_bypass=False
            ):
                return too_many_attempts(request)
            return view(request, *args, **kwargs)

        return cast(_View, wrapper)

    return decorate


# --- sign-up ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        if over_limit(request, flow="signup", account=_account(request.POST.get("email", ""))):
            return too_many_attempts(request)
        form = account_forms.SignUpForm(request.POST)
        if form.is_valid():
            # Whatever the address: one task, the same page. The task mails a link to a new or
            # pending account, and a note to the owner of a confirmed one.
            services.request_sign_up(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                verify_url=_verify_url(request, form.cleaned_data["next"]),
                login_url=request.build_absolute_uri(reverse("login")),
            )
            return page(
                request,
                "registration/signup_sent.html",
                {"for_invitation": _is_invitation(form.cleaned_data["next"])},
            )
        status = 400
    else:
        form = account_forms.SignUpForm(
            initial={"next": redirects.local_path(request.GET.get("next"))}
        )
    return page(request, "registration/signup.html", {"form": form}, status=status)


def _is_invitation(next_path: str) -> bool:
    """A sign-up that continues to a reviewer invitation: that person came to review."""
    return "/invitation/" in next_path and next_path.startswith("/review/")


def _verify_url(request: HttpRequest, next_path: str = "") -> str:
    """The address-confirmation link with ``TOKEN`` in place of its token."""
    url = request.build_absolute_uri(reverse("verify_email", kwargs={"token": "TOKEN"}))
    return url + "?" + urlencode({"next": next_path}) if next_path else url


@require_http_methods(["GET", "HEAD", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: GET shows the form, and only its POST sets the password and activates.

    Opening the link (a mail scanner does) changes nothing; the password that will work is the
    one typed here, by whoever received the link.
    """
    now = timezone.now()
    link = account_queries.confirmation_link(token_hash=services.token_hash(token))
    problem = services.confirmation_problem(link=link, now=now)
    if link is None or problem is not None:
        return _link_error(request, problem or "")
    if request.method == "POST":
        form = account_forms.ConfirmAddressForm(request.POST, email=link.email)
        if form.is_valid():
            try:
                user = services.verify_email(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                    now=now,
                )
            except services.UnableToVerify as exc:
                return _link_error(request, str(exc))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
            messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
            response = redirects.safe_redirect(
                request.GET.get("next"), default=landing_url(user_id=user.pk)
            )
            remember_device(request, response, [link.email])
            return response
        status = 400
    else:
        form = account_forms.ConfirmAddressForm(email=link.email, initial={"name": link.name})
        status = 200
    return page(
        request,
        "registration/verify_email.html",
        {
            "form": form,
            "email": link.email,
            "for_invitation": _is_invitation(request.GET.get("next") or ""),
        },
        status=status,
    )


# --- log-in, log-out, where one lands -----------------------------------------------------------


def landing_url(*, user_id: int) -> str:
    """The person's own work (``cfp.queries.landing`` decides), as a path."""
    where = landing_queries.landing(user_id=user_id, now=timezone.now())
    match where.destination:
        case landing_queries.Destination.CHAIR_DASHBOARD:
            return reverse("chair:dashboard", kwargs={"slug": where.slug})
        case landing_queries.Destination.REVIEWER_QUEUE:
            return reverse("reviews:queue", kwargs={"slug": where.slug})
        case landing_queries.Destination.SPEAKER_PROPOSALS:
            return reverse("cfp:mine", kwargs={"slug": where.slug})
    return reverse("home")


class LoginView(redirects.LocalNextMixin, auth_views.LoginView):
    """Django's log-in with a per-account limit the owner's known browser skips, and a landing
    page per role when no ``next`` was given. Django already costs one password hash for an
    unknown username and for an account without a usable password (tests/test_enumeration.py
    counts them), so every failed log-in does the same work."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if over_limit(request, flow="login", account=_account(request.POST.get("username", ""))):
            return too_many_attempts(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        remember_device(self.request, response, [user.get_username(), user.email])
        return response

    def get_default_redirect_url(self) -> str:
        user_id = self.request.user.pk
        return landing_url(user_id=user_id) if user_id is not None else reverse("home")


class LogoutView(redirects.LocalNextMixin, auth_views.LogoutView):
    pass


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. Every well-formed address gets the same page after one queued task;
    the task sends a reset link to an active account, a confirmation link (which sets the first
    password) to a pending one, and nothing to anyone else."""
    status = 200
    if request.method == "POST":
        if over_limit(
            request, flow="password_reset", account=_account(request.POST.get("email", ""))
        ):
            return too_many_attempts(request)
        form = account_forms.PasswordResetRequestForm(request.POST)
        if form.is_valid():
            services.request_password_reset(
                email=form.cleaned_data["email"],
                verify_url=_verify_url(request),
                domain=request.get_host(),
                use_https=request.is_secure(),
            )
            return HttpResponseRedirect(reverse("password_reset_done"))
        status = 400
    else:
        form = account_forms.PasswordResetRequestForm()
    return page(request, "registration/password_reset_form.html", {"form": form}, status=status)


def _link_error(request: HttpRequest, message: str) -> HttpResponse:
    return error_page(request, title=_("Link not valid"), message=message)
