"""The speaker profile: identity (name, bio, links) and the optional programme questions."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from cfp import services

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
