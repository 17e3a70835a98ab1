"""A discussion post, as its writer typed it (the text is kept on every refusal)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp.forms.fields import clean_text
from reviews.services import discussion as services


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your post"),
        max_length=services.MAX_POST,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Other reviewers see you as a letter. Names of people are held back from them, "
            "whoever they name."
        ),
    )

    def clean_body(self) -> str:
        return clean_text(self.cleaned_data["body"]).strip()
