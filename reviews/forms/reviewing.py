"""Input parsing for reviewers: the scoring form, the queue's filters, stepping back."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp import queries as cfp_queries
from cfp.domain import languages as talk_languages
from common.numbers import is_whole_number
from reviews.forms import inputs
from reviews.queries import queue
from reviews.services import reviews

# The empty choice comes first and is what a new review shows: without it the browser sends the
# first option, and a review whose confidence nobody touched was stored as "1 — guessing" and
# weighted at a third by the model. "Not set" is NULL, which the model counts as neutral (3).
CONFIDENCE_CHOICES = [
    ("", _("not set")),
    (1, _("1 — guessing")),
    (2, _("2")),
    (3, _("3 — fairly sure")),
    (4, _("4")),
    (5, _("5 — expert")),
]

# The scoring screen writes its controls out by hand instead of rendering the widgets (see
# screen.html): the options and the length limits come from here, as the fields' own do.
CONFIDENCE_OPTIONS = [(str(value), label) for value, label in CONFIDENCE_CHOICES]
LIMITS = {"comment": 5000, "feedback": 5000, "abstain_reason": 300, "reason": 200}


class ReviewForm(forms.Form):
    confidence = forms.TypedChoiceField(
        label=_("Confidence"),
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        # Segments on the screen (issue 18): a radio group, arrows within it, no JS needed.
        widget=forms.RadioSelect(attrs={"aria-keyshortcuts": "c"}),
    )
    comment = forms.CharField(
        label=_("Note for the committee"),
        required=False,
        max_length=LIMITS["comment"],
        widget=forms.Textarea,
    )
    feedback = forms.CharField(
        label=_("Feedback for the speaker (optional, may be shared with them)"),
        required=False,
        max_length=LIMITS["feedback"],
        widget=forms.Textarea,
    )
    abstain_reason = forms.CharField(
        label=_("Why you abstain"), required=False, max_length=LIMITS["abstain_reason"]
    )
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
        return inputs.clean_text(self.cleaned_data["comment"])

    def clean_feedback(self) -> str:
        return inputs.clean_text(self.cleaned_data["feedback"])

    def clean_abstain_reason(self) -> str:
        return inputs.clean_text(self.cleaned_data["abstain_reason"])

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

    def data_object(self) -> reviews.ReviewData:
        d = self.cleaned_data
        abstained = d.get("action") == "abstain"
        return reviews.ReviewData(
            scores={} if abstained else {c.slug: d[f"score_{c.slug}"] for c in self.criteria},
            confidence=d.get("confidence"),
            comment=d.get("comment", ""),
            feedback=d.get("feedback", ""),
            abstained=abstained,
            abstain_reason=d.get("abstain_reason", ""),
        )


# "1 = off-topic, 5 = essential" (or "1: …", "1 – …") inside a criterion's guidance.
_END = re.compile(r"(?<![\w.])(-?\d{1,2})\s*(?:=|:|–|—|-)\s*([^,;.\n()]{1,60})")


def scale_ends(*, guidance: str, minimum: int, maximum: int) -> tuple[str, str]:
    """What the two ends of a criterion's scale mean: ("1 = …", "5 = …").

    Taken from the guidance when the chair wrote the ends there ("1 = off-topic, 5 = a must");
    otherwise a neutral reading of the scale, so no scale is ever a row of bare numbers.
    """
    said = {int(n): words.strip() for n, words in _END.findall(guidance or "") if words.strip()}
    low = said.get(minimum) or str(_("weakest"))
    high = said.get(maximum) or str(_("strongest"))
    return f"{minimum} = {low}", f"{maximum} = {high}"


def criteria_fields(form: ReviewForm) -> list[dict[str, Any]]:
    """What the screen shows per criterion: its scale, the ends' meaning and the bound field."""
    out = []
    for number, c in enumerate(form.criteria, start=1):
        bound = form[f"score_{c.slug}"]
        low, high = scale_ends(guidance=c.guidance, minimum=c.minimum, maximum=c.maximum)
        out.append(
            {
                "number": number,
                "slug": c.slug,
                "name": c.name,
                "guidance": c.guidance,
                "choices": [str(v) for v in c.choices],
                "field": bound,
                "value": str(bound.value() or ""),
                "low": low,
                "high": high,
            }
        )
    return out


STATUS_CHOICES = [
    ("", _("Any status")),
    (queue.QueueStatus.TODO, _("To do")),
    (queue.QueueStatus.DONE, _("Done")),
    (queue.QueueStatus.ABSTAINED, _("Abstained")),
    (queue.QueueStatus.CHANGED, _("Changed since my review")),
]
ORDERING_CHOICES = [
    ("", _("To do first")),
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
    ("format", _("Format")),
    ("track", _("Track")),
    ("language", _("Language")),
]


class QueueFilterForm(forms.Form):
    """Parses the queue's filters; unknown values are ignored rather than refused."""

    track = forms.ChoiceField(required=False)
    format = forms.ChoiceField(required=False)
    language = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    ordering = forms.ChoiceField(label=_("Order"), required=False, choices=ORDERING_CHOICES)
    # Issue 21: words in the title or abstract as the reviewer reads them; a reviewer-visible tag.
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def __init__(
        self,
        *args: Any,
        call: cfp_queries.CallSummary,
        tags: tuple[tuple[str, str], ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["tag"].choices = [("", _("Any tag")), *tags]
        if not tags:
            del fields["tag"]
        fields["track"].choices = [("", _("Any track")), *call.tracks]
        fields["format"].choices = [("", _("Any format"))] + [
            (f.slug, f.name) for f in call.formats
        ]
        fields["language"].choices = [("", _("Any language"))] + [
            (code, talk_languages.language_name(code)) for code in call.languages
        ]

    def values(self) -> dict[str, str]:
        """Each valid filter by name; an unknown value drops that filter, not the others."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: str(cleaned.get(k) or "") for k in QUEUE_FIELDS}


QUEUE_FIELDS = ("track", "format", "language", "status", "ordering", "q", "tag")


def queue_filters(data: Any) -> dict[str, str]:
    """The queue's filters from a query string, without the call's choices.

    The scoring screen carries the reviewer's queue filters along so that "next" stays inside
    them; a value the queue form would refuse simply matches nothing there.
    """
    out = {k: str(data.get(k, ""))[: 200 if k == "q" else 60] for k in QUEUE_FIELDS}
    if not is_whole_number(out["tag"]):
        out["tag"] = ""
    out["q"] = out["q"].replace("\x00", "")
    for name, choices in (("status", STATUS_CHOICES), ("ordering", ORDERING_CHOICES)):
        if out[name] not in {value for value, _label in choices}:
            out[name] = ""
    return out


class RecuseForm(forms.Form):
    reason = forms.CharField(
        label=_("What connects you to the speaker (optional, only the chairs read it)"),
        required=False,
        max_length=LIMITS["reason"],
    )

    def clean_reason(self) -> str:
        return inputs.clean_text(self.cleaned_data["reason"])
