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


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))
    return value.strip()


class ReviewForm(forms.Form):
    confidence = forms.TypedChoiceField(
        label=_("Confidence"),
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"aria-keyshortcuts": "c"}),
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
            confidence=d.get("confidence"),
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
        widget=forms.Textarea(attrs={"rows": 4}),
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


# --- the chair's ranking and shortlist --------------------------------------------------------

SHORTLIST_SORTS = [
    ("rank", _("Rank (calibrated order)")),
    ("calibrated", _("Calibrated score, highest first")),
    ("mean", _("Mean score, highest first")),
    ("reviews", _("Fewest reviews first")),
    ("disagreement", _("Most disagreement first")),
]
SHORTLIST_FLAGS = [
    ("", _("Any flag")),
    ("near_cut", _("Near the cut")),
    ("under_reviewed", _("Under-reviewed")),
    ("high_disagreement", _("High disagreement")),
    ("low_confidence", _("Low confidence")),
]
PER_PAGE_CHOICES = (25, 50, 100, 250)
DEFAULT_PER_PAGE = 50
YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]
# Programme attributes: only offered once identities are revealed.
PROGRAMME_FIELDS = {
    "first_time": _("First-time speaker"),
    "wants_mentor": _("Wants a mentor"),
    "english_additional": _("English as an additional language"),
}


def page_number(raw: object) -> int:
    """A page number from the query string; never an error.

    Text that is not a positive whole number means the first page; a number past the last page
    (however long) is clamped to the last page by the query.
    """
    text = str(raw or "").strip()
    if not text.isdigit():
        return 1
    return max(1, int(text[:10]) if len(text) <= 10 else 10**10)


def per_page(raw: object) -> int:
    text = str(raw or "").strip()
    return int(text) if text in {str(n) for n in PER_PAGE_CHOICES} else DEFAULT_PER_PAGE


class ShortlistForm(forms.Form):
    """The shortlist's filters and sort order from the query string.

    An invalid value gets a message on its field and that filter alone is ignored; the others
    still apply. The page number and page size never fail: see :func:`page_number`.
    """

    track = forms.ChoiceField(label=_("Track"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    decision = forms.ChoiceField(label=_("Decision"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False, choices=SHORTLIST_FLAGS)
    score_min = forms.FloatField(
        label=_("Calibrated score from"), required=False, min_value=0, max_value=10
    )
    score_max = forms.FloatField(
        label=_("Calibrated score to"), required=False, min_value=0, max_value=10
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SHORTLIST_SORTS)
    # Not validated as a choice: any other value silently means the default page size.
    per_page = forms.CharField(
        label=_("Rows a page"),
        required=False,
        widget=forms.Select(choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES]),
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
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # Show the page size in use, even when the query string asked for another one.
            data: dict[str, Any] = {key: self.data.get(key) for key in self.data}
            data["per_page"] = str(per_page(data.get("per_page")))
            self.data = data
        fields: dict[str, Any] = self.fields
        fields["track"].choices = [("", _("Any track")), *tracks]
        fields["format"].choices = [("", _("Any format")), *formats]
        fields["language"].choices = [("", _("Any language"))] + [
            (code, language_name(code)) for code in languages
        ]
        fields["level"].choices = [("", _("Any level")), *levels]
        fields["decision"].choices = [("", _("Any decision")), *decisions]
        if programme:
            for name, label in PROGRAMME_FIELDS.items():
                fields[name] = forms.ChoiceField(label=label, required=False, choices=YES_NO)

    def clean_per_page(self) -> int:
        return per_page(self.cleaned_data.get("per_page"))

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
        for name in ("track", "format", "language", "level", "decision", "flag"):
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
        return str(getattr(self, "cleaned_data", {}).get("sort") or "rank")

    def rows_per_page(self) -> int:
        return per_page(self.data.get("per_page"))


class ReminderForm(forms.Form):
    reviewer = forms.IntegerField(min_value=1, max_value=2**31 - 1)
