"""Mentoring forms (issue 25): a message, a suggestion, a report, a match, the call settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp.forms.fields import no_nul
from cfp.services import mentoring as services

SPEAKER_ACTIONS = ("ask", "post", "accept", "ignore", "another", "report")
MENTOR_ACTIONS = ("post", "suggest")


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=services.MAX_POST,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown. Only the speakers and their mentor read this thread."),
    )


class SuggestionForm(forms.Form):
    original = forms.CharField(
        label=_("Passage of the abstract"),
        max_length=3000,
        validators=[no_nul],
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Copy it exactly as it is in the abstract."),
    )
    replacement = forms.CharField(
        label=_("Suggested wording"),
        max_length=3000,
        required=False,
        validators=[no_nul],
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Why (optional)"), max_length=1000, required=False, validators=[no_nul]
    )


class SuggestionChoiceForm(forms.Form):
    suggestion = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What happened"),
        max_length=services.MAX_REPORT,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the chairs read this. Your mentor is not told."),
    )


class MatchForm(forms.Form):
    code = forms.RegexField(regex=r"^[A-Za-z0-9]{1,12}$", max_length=12)
    mentor = forms.TypedChoiceField(label=_("Mentor"), coerce=int)

    def __init__(self, *args: Any, mentors: tuple[tuple[int, str], ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].choices = [(str(pk), name) for pk, name in mentors]  # type: ignore[attr-defined]


class MentoringSettingsForm(forms.Form):
    reviewers_may_mentor = forms.BooleanField(
        label=_("Reviewers may volunteer as mentors"), required=False
    )
    mentors_may_review = forms.BooleanField(
        label=_("Mentors may also review (never a proposal they mentor)"), required=False
    )
