"""Input parsing for reviewers and chairs. Choices come computed from the call."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from cfp import queries as cfp_queries
from reviews import invitations, services

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
    ordering = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("", _("To do first")),
            ("title", _("Title, A to Z")),
            ("-title", _("Title, Z to A")),
            ("format", _("Format")),
            ("track", _("Track")),
            ("language", _("Language")),
            ("submitted", _("Oldest first")),
            ("-submitted", _("Newest first")),
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
            (code, language_name(code)) for code in call.languages
        ]

    def values(self) -> dict[str, str]:
        """Each valid filter by name; an unknown value drops that filter, not the others."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: str(cleaned.get(k) or "") for k in QUEUE_FIELDS}


QUEUE_FIELDS = ("track", "format", "language", "status", "ordering")


def queue_filters(data: Any) -> dict[str, str]:
    """The queue's filters from a query string, without the call's choices.

    The scoring screen carries the reviewer's queue filters along so that "next" stays inside
    them; a value the queue form would refuse simply matches nothing there.
    """
    out = {k: str(data.get(k, ""))[:60] for k in QUEUE_FIELDS}
    for name in ("status", "ordering"):
        known = {str(value) for value, _label in QueueFilterForm.base_fields[name].choices}  # type: ignore[attr-defined]
        if out[name] not in known:
            out[name] = ""
    return out


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_local"])
    except KeyError:
        return code


class RecuseForm(forms.Form):
    reason = forms.CharField(
        label=_("What connects you to the speaker (optional, only the chairs read it)"),
        required=False,
        max_length=200,
    )

    def clean_reason(self) -> str:
        return _no_nul(self.cleaned_data["reason"])


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses"),
        help_text=_("One or more addresses, separated by commas, spaces or new lines."),
        widget=forms.Textarea(attrs={"rows": 4, "aria-describedby": "emails-help"}),
        max_length=20000,
    )

    def clean_emails(self) -> list[str]:
        raw = _no_nul(self.cleaned_data["emails"])
        found = [e for e in re.split(r"[\s,;]+", raw) if e]
        bad = []
        for e in found:
            try:
                validate_email(e)
            except ValidationError:
                bad.append(e)
        if bad:
            raise ValidationError(
                _("These are not e-mail addresses: %(bad)s") % {"bad": ", ".join(bad[:10])}
            )
        if not found:
            raise ValidationError(_("Give at least one e-mail address."))
        if len(set(found)) > invitations.MAX_EMAILS:
            raise ValidationError(
                _("Invite at most %(n)s people at a time.") % {"n": invitations.MAX_EMAILS}
            )
        return found


class AcceptInvitationForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Talk languages you can review"),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Choose at least one language.")},
    )
    tracks = forms.MultipleChoiceField(
        label=_("Tracks you prefer (optional: none means any)"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    max_load = forms.IntegerField(
        label=_("The most proposals you want to review (optional)"),
        required=False,
        min_value=1,
        max_value=invitations.MAX_LOAD,
    )

    def __init__(
        self,
        *args: Any,
        languages: tuple[str, ...],
        tracks: tuple[tuple[str, str], ...],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["languages"].choices = [(code, language_name(code)) for code in languages]
        fields["tracks"].choices = list(tracks)


class AssignForm(forms.Form):
    per_proposal = forms.IntegerField(min_value=1, max_value=20, required=False)
