"""Input parsing for the chairs' curation pages: decisions, reveal, e-mail templates, preview."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews import models
from reviews.forms import inputs
from reviews.queries import decisions
from reviews.services import decision_emails


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"), choices=models.DecisionStatus.choices, widget=forms.RadioSelect
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=_("Reason (needed when the decision departs from the calibrated order)"),
        choices=[("", _("— none —")), *models.DepartureReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note (required for “other”)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Where to go after saving. common.redirects decides whether it is followed, so a tampered
    # value (too long, off the site) never costs the chair the decision itself.
    next = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def clean_note(self) -> str:
        return inputs.clean_text(self.cleaned_data["note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == models.DepartureReason.OTHER and not data.get("note"):
            self.add_error("note", _("Say why in the note when the reason is “other”."))
        return data


class RevealForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that every chair of this call will see speakers' names, contact "
            "details and programme attributes from now on, and that this cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class DecisionTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea)
    include_feedback = forms.BooleanField(
        label=_("Include the reviewers' feedback for the speaker (anonymous)"), required=False
    )

    def __init__(self, *args: Any, status: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", status)
        super().__init__(*args, **kwargs)
        self.status = status
        self.status_label = decisions.status_label(status)

    def clean_subject(self) -> str:
        subject = " ".join(inputs.clean_text(self.cleaned_data["subject"]).split())
        for message in decision_emails.template_errors(subject):
            self.add_error("subject", message)
        return subject

    def clean_body(self) -> str:
        body = inputs.clean_text(self.cleaned_data["body"])
        for message in decision_emails.template_errors(body):
            self.add_error("body", message)
        return body


class PreviewForm(forms.Form):
    code = forms.CharField(label=_("Proposal code"), max_length=12, required=False)
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("", _("Its current decision")),
            *[(s, decisions.status_label(s)) for s in decisions.SENT_STATUSES],
        ],
        required=False,
    )

    def clean_code(self) -> str:
        return "".join(ch for ch in self.cleaned_data["code"] if ch.isalnum()).upper()


def _looks_like_a_code(value: str) -> bool:
    return 0 < len(value) <= 64 and value.isascii() and value.isalnum()


class BulkDecisionForm(forms.Form):
    """The shortlist's bulk (and per-row inline) decision: the selected codes, one decision."""

    status = forms.ChoiceField(label=_("Set decision"), choices=models.DecisionStatus.choices)
    reason = DecisionForm.base_fields["reason"]
    note = forms.CharField(label=_("Note (required for “other”)"), required=False, max_length=2000)
    codes = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    # "Select all in filter": every proposal the shortlist's current filter matches, all pages.
    all = forms.BooleanField(label=_("Every proposal in this filter (all pages)"), required=False)
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Codes are checked against the call by the service (which names unknown ones); here
        # only their shape, so nothing a database refuses (a NUL byte) reaches a query.
        self.fields["codes"].valid_value = _looks_like_a_code  # type: ignore[attr-defined]

    def clean_note(self) -> str:
        return inputs.clean_text(self.cleaned_data["note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("all") and not data.get("codes"):
            self.add_error(None, _("Select at least one proposal, or every one in the filter."))
        if data.get("reason") == models.DepartureReason.OTHER and not data.get("note"):
            self.add_error("note", _("Say why in the note when the reason is “other”."))
        return data
