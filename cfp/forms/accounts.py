"""Signing up, confirming an address (and choosing the password), and resetting a password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cfp.forms.fields import clean_text
from common import redirects


class SignUpForm(forms.Form):
    """Name and address only: the password is chosen on the page the e-mailed link opens, so
    an account never holds a password that the owner of its address did not type."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    # Where to go once the address is confirmed (an invitation link, say); local paths only.
    next = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def clean_next(self) -> str:
        return redirects.local_path(self.cleaned_data["next"])


class ConfirmAddressForm(forms.Form):
    """The page behind the e-mailed link: the owner of the address chooses the password."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Type it again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        first, second = d.get("password1"), d.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            # An unsaved account, so that the "too similar to your name or address" check runs.
            account = get_user_model()(
                username=self.email, email=self.email, first_name=d.get("name", "")
            )
            try:
                password_validation.validate_password(first, account)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return d


class PasswordResetRequestForm(forms.Form):
    """The address to send a reset link to. Valid or not depends on its spelling only, never on
    whether an account has it: a task handles the request (``services.request_password_reset``).
    """

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class DeleteAccountForm(forms.Form):
    """Deleting one's account cannot be undone: the person types their password."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my data go, and this cannot be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("That is not your password."))
        return password


class PurgeCallForm(forms.Form):
    """Purging a call's personal data cannot be undone: the chair types the call's short name."""

    confirm = forms.CharField(label=_("Type the call's short name to confirm"), max_length=100)

    def __init__(self, *args: Any, slug: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slug = slug

    def clean_confirm(self) -> str:
        typed: str = self.cleaned_data["confirm"].strip()
        if typed != self.slug:
            raise ValidationError(_("Type %(slug)s exactly to confirm.") % {"slug": self.slug})
        return typed
