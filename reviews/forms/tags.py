"""A chair's tag, and the tags of one proposal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp.forms.fields import clean_text
from reviews.services import tags as services


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=services.MAX_NAME)
    reviewer_visible = forms.BooleanField(
        label=_("Reviewers see it and can filter their queue by it"), required=False
    )

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])


class ProposalTagsForm(forms.Form):
    tags = forms.MultipleChoiceField(
        label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: tuple[tuple[str, str], ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tags"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(choices)

    def tag_ids(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self.cleaned_data["tags"])
