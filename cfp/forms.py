"""Input parsing and validation for submitters. Choices come computed from the call."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from cfp import models, queries, services

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
    "it": "Italiano",
    "pt": "Português",
    "pl": "Polski",
    "nl": "Nederlands",
    "ja": "日本語",
    "zh": "中文",
}


def _clean_text(value: str) -> str:
    # NUL bytes are refused by PostgreSQL and never meaningful in a proposal.
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))
    return value.strip()


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    abstract = forms.CharField(
        label=_("Abstract"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown to reviewers without your name. Up to 3,000 characters."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown. The outline and what attendees will learn."),
    )
    notes = forms.CharField(
        label=_("Notes for reviewers"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    format = forms.ChoiceField(label=_("Format"))
    track = forms.ChoiceField(label=_("Track"), required=False)
    level = forms.ChoiceField(label=_("Audience level"), choices=models.Level.choices)
    language = forms.ChoiceField(label=_("Talk language"))
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, call: queries.CallSummary, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["format"].choices = [
            (f.slug, f"{f.name} ({f.duration_minutes} min)") for f in call.formats
        ]
        fields["track"].choices = [("", _("No preference")), *call.tracks]
        fields["language"].choices = [
            (code, LANGUAGE_NAMES.get(code, code)) for code in (call.languages or ("en",))
        ]

    def clean_title(self) -> str:
        return _clean_text(self.cleaned_data["title"])

    def clean_abstract(self) -> str:
        return _clean_text(self.cleaned_data["abstract"])

    def clean_description(self) -> str:
        return _clean_text(self.cleaned_data["description"])

    def clean_notes(self) -> str:
        return _clean_text(self.cleaned_data["notes"])

    def data_object(self) -> services.ProposalData:
        d = self.cleaned_data
        return services.ProposalData(
            title=d["title"],
            abstract=d["abstract"],
            description=d["description"],
            notes=d["notes"],
            format_slug=d["format"],
            track_slug=d["track"] or "",
            level=d["level"],
            language=d["language"],
        )


class ScanForm(forms.Form):
    """The reviewer-visible fields, as typed so far, for the live leak check."""

    title = forms.CharField(required=False, max_length=250)
    abstract = forms.CharField(required=False, max_length=3000)
    description = forms.CharField(required=False, max_length=20000)
    notes = forms.CharField(required=False, max_length=5000)


TRI_STATE = [("", _("Prefer not to say")), ("yes", _("Yes")), ("no", _("No"))]


def _tri(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    bio = forms.CharField(
        label=_("Short bio"), max_length=2000, required=False, widget=forms.Textarea
    )
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False)
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: website, GitHub, Mastodon…"),
    )
    region = forms.CharField(label=_("Country or region"), max_length=100, required=False)
    spoken_before = forms.ChoiceField(
        label=_("Have you spoken at a conference before?"), choices=TRI_STATE, required=False
    )
    english_additional = forms.ChoiceField(
        label=_("Is English an additional language for you?"), choices=TRI_STATE, required=False
    )
    wants_mentor = forms.ChoiceField(
        label=_("Would you like a mentor?"), choices=TRI_STATE, required=False
    )

    def clean_links(self) -> tuple[str, ...]:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = URLValidator(schemes=["http", "https"])
        for line in lines:
            try:
                validate(line)
            except ValidationError as exc:
                raise ValidationError(
                    _("“%(link)s” is not a web address starting with https://.") % {"link": line}
                ) from exc
        return tuple(lines[:10])

    def data_object(self) -> services.ProfileData:
        d = self.cleaned_data
        return services.ProfileData(
            name=d["name"],
            bio=d["bio"],
            affiliation=d["affiliation"],
            links=d["links"],
            region=d["region"],
            spoken_before=_tri(d["spoken_before"]),
            english_additional=_tri(d["english_additional"]),
            wants_mentor=_tri(d["wants_mentor"]),
        )


def tri_initial(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "") if value is not None else ""


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class PlainPasswordResetForm(PasswordResetForm):
    """Django's reset form, but its e-mail templates get the display name, not the User row."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.pop("user", None)
        context["display_name"] = (getattr(user, "first_name", "") or "") if user else ""
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )
