"""Input parsing for the chair's dashboard and shortlist. Choices come computed from the call."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp.domain import languages as talk_languages
from common import vocabulary
from reviews.domain import scoring
from reviews.domain import shortlist as rules


class AssignForm(forms.Form):
    per_proposal = forms.IntegerField(min_value=1, max_value=20, required=False)


# --- the chair's ranking and shortlist --------------------------------------------------------

SORT_LABELS = {
    "rank": _("Rank (calibrated order)"),
    "calibrated": _("Calibrated score, highest first"),
    "mean": _("Mean score, highest first"),
    "reviews": _("Fewest reviews first"),
    "disagreement": _("Most disagreement first"),
}
# The words every page uses for these flags (common.vocabulary, issue 19).
FLAG_LABELS = {
    code: vocabulary.choice_label(code)
    for code in (
        rules.NEAR_CUT,
        scoring.UNDER_REVIEWED,
        scoring.HIGH_DISAGREEMENT,
        scoring.LOW_CONFIDENCE,
    )
}
SHORTLIST_SORTS = [(name, SORT_LABELS[name]) for name in rules.SORTS]
SHORTLIST_FLAGS = [("", _("Any flag")), *FLAG_LABELS.items()]
YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]
# The speakers' answer to a sent acceptance (cfp.domain.confirmation.state, issue 19).
CONFIRMATION_LABELS = {
    "awaiting": _("Awaiting the speaker's answer"),
    "confirmed": _("Confirmed by the speaker"),
    "declined": _("Declined by the speaker"),
}
CONFIRMATION_FILTERS = [("", _("Any answer")), *CONFIRMATION_LABELS.items()]
# Programme attributes: offered only where the policy shows a chair programme attributes.
PROGRAMME_LABELS = {
    code: vocabulary.choice_label(code)
    for code in ("first_time", "wants_mentor", "english_additional")
}
PROGRAMME_FIELDS = {name: PROGRAMME_LABELS[name] for name in rules.PROGRAMME_FILTERS}


class ShortlistForm(forms.Form):
    """The shortlist's filters and sort order from the query string.

    An invalid value gets a message on its field and that filter alone is ignored; the others
    still apply. The page number and page size never fail: see ``reviews.domain.shortlist``.
    """

    track = forms.ChoiceField(label=_("Track"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    decision = forms.ChoiceField(label=_("Decision"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False, choices=SHORTLIST_FLAGS)
    confirmation = forms.ChoiceField(
        label=_("Speaker's answer"), required=False, choices=CONFIRMATION_FILTERS
    )
    score_min = forms.FloatField(
        label=_("Calibrated score from"), required=False, min_value=0, max_value=10
    )
    score_max = forms.FloatField(
        label=_("Calibrated score to"), required=False, min_value=0, max_value=10
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SHORTLIST_SORTS)
    # Issue 21: words in the title or abstract (and the speakers' names once chairs know them).
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    # Not validated as a choice: any other value silently means the default page size.
    per_page = forms.CharField(
        label=_("Rows a page"),
        required=False,
        widget=forms.Select(choices=[(str(n), str(n)) for n in rules.PER_PAGE_CHOICES]),
    )

    def __init__(
        self,
        *args: Any,
        formats: tuple[tuple[str, str], ...],
        tracks: tuple[tuple[str, str], ...],
        languages: tuple[str, ...],
        levels: tuple[tuple[str, object], ...],
        decisions: tuple[tuple[str, object], ...],
        programme: bool,
        tags: tuple[tuple[str, str], ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # Show the page size in use, even when the query string asked for another one.
            data: dict[str, Any] = {key: self.data.get(key) for key in self.data}
            data["per_page"] = str(rules.per_page(data.get("per_page")))
            self.data = data
        fields: dict[str, Any] = self.fields
        fields["track"].choices = [("", _("Any track")), *tracks]
        fields["format"].choices = [("", _("Any format")), *formats]
        fields["language"].choices = [("", _("Any language"))] + [
            (code, talk_languages.language_name(code)) for code in languages
        ]
        fields["level"].choices = [("", _("Any level")), *levels]
        fields["decision"].choices = [("", _("Any decision")), *decisions]
        fields["tag"].choices = [("", _("Any tag")), *tags]
        if programme:
            for name, label in PROGRAMME_FIELDS.items():
                fields[name] = forms.ChoiceField(label=label, required=False, choices=YES_NO)

    def clean_per_page(self) -> int:
        return rules.per_page(self.cleaned_data.get("per_page"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", _("The upper score must not be below the lower one."))
        return data

    def filters(self) -> dict[str, object]:
        """The valid filters, ready for ``filters.ShortlistFilter``."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        out: dict[str, object] = {}
        names = ("track", "format", "language", "level", "decision", "flag", "confirmation", "q")
        for name in (*names, "tag"):
            if cleaned.get(name):
                out[name] = cleaned[name]
        for name in ("score_min", "score_max"):
            if cleaned.get(name) is not None:
                out[name] = cleaned[name]
        for name in PROGRAMME_FIELDS:
            if cleaned.get(name) in ("yes", "no"):
                out[name] = cleaned[name] == "yes"
        return out

    def sort_order(self) -> str:
        self.is_valid()
        return str(getattr(self, "cleaned_data", {}).get("sort") or rules.DEFAULT_SORT)

    def rows_per_page(self) -> int:
        return rules.per_page(self.data.get("per_page"))


class ReminderForm(forms.Form):
    reviewer = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class ShortlistTrail(forms.Form):
    """The shortlist's filter and order carried to a proposal page (previous / next).

    Lenient where the shortlist's own form checks choices: a value that matches nothing simply
    finds no neighbours, and reading it needs none of the call's choices (no queries).
    """

    track = forms.SlugField(required=False, max_length=100)
    format = forms.SlugField(required=False, max_length=100)
    language = forms.CharField(required=False, max_length=20)
    level = forms.CharField(required=False, max_length=20)
    decision = forms.CharField(required=False, max_length=20)
    flag = forms.ChoiceField(required=False, choices=SHORTLIST_FLAGS)
    confirmation = forms.ChoiceField(required=False, choices=CONFIRMATION_FILTERS)
    score_min = forms.FloatField(required=False)
    score_max = forms.FloatField(required=False)
    sort = forms.ChoiceField(required=False, choices=SHORTLIST_SORTS)
    first_time = forms.ChoiceField(required=False, choices=YES_NO)
    wants_mentor = forms.ChoiceField(required=False, choices=YES_NO)
    english_additional = forms.ChoiceField(required=False, choices=YES_NO)
    q = forms.CharField(required=False, max_length=200)
    tag = forms.RegexField(required=False, regex=r"^\d{1,9}$")

    def filters(self) -> dict[str, object]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        out: dict[str, object] = {}
        names = ("track", "format", "language", "level", "decision", "flag", "confirmation", "q")
        for name in (*names, "tag"):
            if cleaned.get(name):
                out[name] = cleaned[name]
        for name in ("score_min", "score_max"):
            if cleaned.get(name) is not None and math.isfinite(cleaned[name]):
                out[name] = cleaned[name]
        for name in ("first_time", "wants_mentor", "english_additional"):
            if cleaned.get(name) in ("yes", "no"):
                out[name] = cleaned[name] == "yes"
        return out

    def sort_order(self) -> str:
        self.is_valid()
        return str(getattr(self, "cleaned_data", {}).get("sort") or rules.DEFAULT_SORT)
