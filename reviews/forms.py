"""Input parsing for reviewers and chairs. Choices come computed from the call."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cfp import queries as cfp_queries
from reviews import services

CONFIDENCE_CHOICES = [
    (1, _("1 — guessing")),
    (2, _("2")),
    (3, _("3 — fairly sure")),
    (4, _("4")),
    (5, _("5 — expert")),
]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))
    return value.strip()


class ReviewForm(forms.Form):
    confidence = forms.TypedChoiceField(
        label=_("Confidence"), choices=CONFIDENCE_CHOICES, coerce=int, required=False
    )
    comment = forms.CharField(
        label=_("Note for the committee"), required=False, max_length=5000, widget=forms.Textarea
    )
    feedback = forms.CharField(
        label=_("Feedback for the speaker (optional, may be shared with them)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea,
    )
    abstain_reason = forms.CharField(label=_("Why you abstain"), required=False, max_length=300)
    action = forms.ChoiceField(
        choices=[("save", "save"), ("next", "next"), ("abstain", "abstain")], required=False
    )

    def __init__(
        self, *args: Any, criteria: tuple[cfp_queries.CriterionRow, ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[f"score_{c.slug}"] = forms.TypedChoiceField(
                label=c.name,
                help_text=c.guidance,
                choices=[(v, str(v)) for v in c.choices],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean_comment(self) -> str:
        return _no_nul(self.cleaned_data["comment"])

    def clean_feedback(self) -> str:
        return _no_nul(self.cleaned_data["feedback"])

    def clean_abstain_reason(self) -> str:
        return _no_nul(self.cleaned_data["abstain_reason"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "abstain":
            if not data.get("abstain_reason"):
                self.add_error("abstain_reason", _("Say briefly why you abstain."))
            return data
        for c in self.criteria:
            if data.get(f"score_{c.slug}") in (None, ""):
                self.add_error(
                    f"score_{c.slug}", _("Choose a score for %(name)s.") % {"name": c.name}
                )
        return data

    def data_object(self) -> services.ReviewData:
        d = self.cleaned_data
        abstained = d.get("action") == "abstain"
        return services.ReviewData(
            scores={} if abstained else {c.slug: d[f"score_{c.slug}"] for c in self.criteria},
            confidence=d.get("confidence") or None,
            comment=d.get("comment", ""),
            feedback=d.get("feedback", ""),
            abstained=abstained,
            abstain_reason=d.get("abstain_reason", ""),
        )


class QueueFilterForm(forms.Form):
    """Parses the queue's filters; unknown values are ignored rather than refused."""

    track = forms.ChoiceField(required=False)
    format = forms.ChoiceField(required=False)
    language = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Any status")),
            ("todo", _("To do")),
            ("done", _("Done")),
            ("abstained", _("Abstained")),
            ("changed", _("Changed since my review")),
        ],
    )

    def __init__(self, *args: Any, call: cfp_queries.CallSummary, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["track"].choices = [("", _("Any track")), *call.tracks]
        fields["format"].choices = [("", _("Any format"))] + [
            (f.slug, f.name) for f in call.formats
        ]
        fields["language"].choices = [("", _("Any language"))] + [
            (code, code) for code in call.languages
        ]

    def values(self) -> dict[str, str]:
        if self.is_valid():
            return {
                k: self.cleaned_data.get(k) or "" for k in ("track", "format", "language", "status")
            }
        return {"track": "", "format": "", "language": "", "status": ""}


class AssignForm(forms.Form):
    per_proposal = forms.IntegerField(min_value=1, max_value=20, required=False)
