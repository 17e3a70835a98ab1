"""Input parsing for the chairs' outbox: editing one draft, confirming a group send."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.forms import inputs


class DraftForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea)

    def clean_body(self) -> str:
        return inputs.clean_text(self.cleaned_data["body"])


class SendGroupForm(forms.Form):
    # The count the chair saw on the confirmation page: a different count now refuses the send.
    expected = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class FeedbackForm(forms.Form):
    review = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("edit", _("Approve my edit")), ("hide", _("Hide"))]
    )
    text = forms.CharField(
        label=_("Feedback as the speaker reads it"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_text(self) -> str:
        return inputs.clean_text(self.cleaned_data["text"])
