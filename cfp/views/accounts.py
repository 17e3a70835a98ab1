"""Signing up, confirming an address (choosing the password there), logging in and out, and
resetting a password."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from cfp import services
from cfp.forms import accounts as account_forms
from cfp.queries import accounts as account_queries
from cfp.views.public import error_page
from common import redirects
from common.render import page


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = account_forms.SignUpForm(request.POST)
        if form.is_valid():
            try:
                services.sign_up(
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    verify_url=_verify_url(request, form.cleaned_data["next"]),
                    now=timezone.now(),
                )
            except services.UnableToSignUp as exc:
                form.add_error("email", str(exc))
            else:
                return page(request, "registration/signup_sent.html", {})
        status = 400
    else:
        form = account_forms.SignUpForm(
            initial={"next": redirects.local_path(request.GET.get("next"))}
        )
    return page(request, "registration/signup.html", {"form": form}, status=status)


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
            return redirects.safe_redirect(request.GET.get("next"), default=reverse("home"))
        status = 400
    else:
        form = account_forms.ConfirmAddressForm(email=link.email, initial={"name": link.name})
        status = 200
    return page(
        request,
        "registration/verify_email.html",
        {"form": form, "email": link.email},
        status=status,
    )


class LoginView(redirects.LocalNextMixin, auth_views.LoginView):
    pass


class LogoutView(redirects.LocalNextMixin, auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, plus: an account still waiting for its address to be confirmed has no
    password to reset, so its owner gets a fresh confirmation link that sets one."""

    form_class = account_forms.PlainPasswordResetForm

    def form_valid(self, form: account_forms.PlainPasswordResetForm) -> HttpResponse:
        services.resend_verification(
            email=form.cleaned_data["email"],
            verify_url=_verify_url(self.request),
            now=timezone.now(),
        )
        return super().form_valid(form)


def _link_error(request: HttpRequest, message: str) -> HttpResponse:
    return error_page(request, title=_("Link not valid"), message=message)
