"""Input parsing for the chairs' API tokens page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.domain import api_tokens
from reviews.forms import inputs

READ_LABEL = _("Read: proposals, reviewers’ progress, exports")


class NewTokenForm(forms.Form):
    label = forms.CharField(
        label=_("What is it for?"),
        required=False,
        max_length=100,
        help_text=_("For example “schedule tool” or “website build”. Shown in the list below."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[
            (s, _("Read: proposals, reviewers’ progress, exports")) for s in api_tokens.SCOPES
        ],
        initial=list(api_tokens.SCOPES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )

    def clean_label(self) -> str:
        return inputs.clean_text(self.cleaned_data["label"]).strip()
