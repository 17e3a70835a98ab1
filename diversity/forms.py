"""Input parsing for self-identification and the chair's report settings. Plain forms whose
choices come computed from the questions (frozen dataclasses), never from querysets."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from diversity.domain import funnel
from diversity.queries.questions import QuestionRow
from diversity.services import report_settings
from diversity.services.answers import AnswerData

TEXT_MAX = 200


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))
    return value.strip()


def answer_field(key: str) -> str:
    return f"q_{key}"


def text_field(key: str) -> str:
    return f"t_{key}"


class SelfIdForm(forms.Form):
    """One radio group per question ("No answer" first: nothing stored), words for the options
    that ask for them, and the consent box when no consent to today's wording is on record."""

    consent = forms.BooleanField(required=False)
    consent_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        questions: Sequence[QuestionRow],
        needs_consent: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = tuple(questions)
        self.needs_consent = needs_consent
        fields: dict[str, Any] = self.fields
        fields["consent"].label = _("I agree to the consent text above.")
        if not needs_consent:
            del fields["consent"]
            del fields["consent_version"]
        for q in self.questions:
            fields[answer_field(q.key)] = forms.ChoiceField(
                label=q.label,
                required=False,
                choices=[
                    ("", _("No answer (nothing stored)")),
                    *((o.value, o.label) for o in q.options),
                ],
                widget=forms.RadioSelect,
            )
            if q.has_free_text:
                fields[text_field(q.key)] = forms.CharField(
                    label=_("In your own words (optional)"),
                    required=False,
                    max_length=TEXT_MAX,
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.needs_consent and not data.get("consent"):
            self.add_error(
                "consent",
                _("Tick this box to store your answers: without your consent we store nothing."),
            )
        for q in self.questions:
            name = text_field(q.key)
            if name not in self.fields or name not in data:
                continue
            try:
                words = _no_nul(data.get(name) or "")
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            data[name] = words
            chosen = data.get(answer_field(q.key), "")
            free = {o.value for o in q.options if o.free_text}
            if words and chosen not in free:
                labels = ", ".join(f"“{o.label}”" for o in q.options if o.free_text)
                self.add_error(
                    name,
                    _("Choose %(option)s to keep these words, or clear them.") % {"option": labels},
                )
        return data

    @property
    def sections(self) -> tuple[dict[str, Any], ...]:
        """Per question: its bound fields and the call that asks it, for the template."""
        return tuple(
            {
                "question": q,
                "answer": self[answer_field(q.key)],
                "text": self[text_field(q.key)] if q.has_free_text else None,
            }
            for q in self.questions
        )

    def consent_version_given(self) -> int | None:
        if not self.needs_consent or not self.cleaned_data.get("consent"):
            return None
        version = self.cleaned_data.get("consent_version")
        return int(version) if version is not None else -1

    def answers(self) -> dict[str, AnswerData]:
        out: dict[str, AnswerData] = {}
        for q in self.questions:
            value = self.cleaned_data.get(answer_field(q.key)) or ""
            text = self.cleaned_data.get(text_field(q.key), "") if q.has_free_text else ""
            out[q.key] = AnswerData(value=value, text=text or "")
        return out


class ThresholdForm(forms.Form):
    k = forms.IntegerField(
        label=_("Hide groups smaller than"),
        min_value=funnel.MIN_K,
        max_value=100,
        help_text=_("10 unless you lower it; never below 5."),
        error_messages={
            "min_value": _("Groups smaller than 5 could point at one person: 5 is the lowest."),
        },
    )


class TargetForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"))
    share = forms.DecimalField(
        label=_("Target share of accepted (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=1,
        help_text=_("Leave empty to remove the target."),
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["group"].choices = list(choices)

    def target(self) -> tuple[str, str, float | None]:
        dimension, _sep, value = self.cleaned_data["group"].partition(":")
        share = self.cleaned_data.get("share")
        return dimension, value, None if share is None else float(share) / 100.0


class QuestionForm(forms.Form):
    label = forms.CharField(label=_("Question"), max_length=200)
    options = forms.CharField(
        label=_("Answers"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line. “Prefer not to say” is added for you."),
    )
    self_describe = forms.BooleanField(
        label=_("Let people describe themselves in their own words"), required=False
    )

    def clean_label(self) -> str:
        return _no_nul(self.cleaned_data["label"])

    def clean_options(self) -> tuple[str, ...]:
        text = _no_nul(self.cleaned_data["options"])
        lines = tuple(line.strip() for line in text.splitlines() if line.strip())
        if not lines:
            raise ValidationError(_("Give at least one answer, one a line."))
        if len(lines) > report_settings.MAX_OPTIONS:
            raise ValidationError(
                _("Offer at most %(n)s answers: small groups are hidden anyway.")
                % {"n": report_settings.MAX_OPTIONS}
            )
        if any(len(line) > TEXT_MAX for line in lines):
            raise ValidationError(_("Keep each answer under 200 characters."))
        return lines


class RemoveQuestionForm(forms.Form):
    question = forms.IntegerField(min_value=1)
