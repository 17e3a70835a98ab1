"""The chair's call settings: the call itself (with the "chairs stay blind" switch) and its rows
(formats, tracks, criteria, questions)."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp import models, services
from cfp.domain import visibility
from cfp.domain.languages import LANGUAGE_NAMES, language_name
from cfp.forms.fields import WallClockField, clean_text, in_zone, wall_clock
from cfp.queries import settings_page


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() | {"UTC"})
    return [(n, n.replace("_", " ")) for n in names]


class ProblemsForm(forms.Form):
    """A form whose validation asks a domain rule: each problem goes on the field it names."""

    def show_problems(self, problems: services.Problems) -> None:
        for field_name, message in problems:
            self.add_error(field_name if field_name in self.fields else None, message)


class CallSettingsForm(ProblemsForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. Shown on the public call page."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Dates below are in this zone; speakers see the deadline in it."),
    )
    opens_at = WallClockField(label=_("Opens"))
    closes_at = WallClockField(label=_("Closes (submission deadline)"))
    review_deadline_at = WallClockField(label=_("Review deadline"), required=False)
    bidding_closes_at = WallClockField(
        label=_("Bidding closes"),
        required=False,
        help_text=_(
            "Reviewers can say which proposals they want to review until then. "
            "Leave it empty to keep bidding closed."
        ),
    )
    confirmation_deadline_at = WallClockField(
        label=_("Speakers confirm by"),
        required=False,
        help_text=_(
            "Accepted speakers confirm or decline on their proposal page until then. "
            "Leave it empty for no deadline."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Talk languages"), widget=forms.CheckboxSelectMultiple
    )
    reviews_per_proposal = forms.IntegerField(
        label=_("Reviews per proposal"), min_value=1, max_value=20
    )
    chairs_blind = forms.BooleanField(
        label=_("Chairs stay blind until curation"),
        required=False,
        help_text=_("Chairs read the redacted text, like reviewers, until they reveal identities."),
    )
    others_reviews = forms.ChoiceField(
        label=_("Reviewers read each other's reviews"),
        choices=[
            (visibility.OthersReviews.NEVER.value, _("Never")),
            (visibility.OthersReviews.AFTER_OWN.value, _("After their own review")),
            (visibility.OthersReviews.AFTER_PHASE.value, _("After the review deadline")),
        ],
        initial=visibility.OthersReviews.AFTER_OWN.value,
        required=False,
        help_text=_("Never before their own review of the proposal is saved. Chairs always can."),
    )
    independent_scores = forms.BooleanField(
        label=_("Rank on first independent scores"),
        required=False,
        initial=True,
        help_text=_(
            "A score changed after reading others' reviews or the discussion is not used for the "
            "calibration; the score as it stood before is."
        ),
    )

    def __init__(
        self,
        *args: Any,
        languages: tuple[str, ...] = (),
        phase: visibility.Phase | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Once identities are revealed the "blind" switch no longer changes what chairs see;
        # the page says so beside it.
        self.already_revealed = phase is not None and phase.identities_revealed
        fields: dict[str, Any] = self.fields
        fields["timezone"].choices = timezone_choices()
        codes = list(LANGUAGE_NAMES) + [c for c in languages if c not in LANGUAGE_NAMES]
        fields["languages"].choices = [(c, language_name(c)) for c in codes]
        self.result: services.CallSettingsData | None = None

    @classmethod
    def initial_for(cls, c: settings_page.CallSettings) -> dict[str, Any]:
        return {
            "name": c.name,
            "description": c.description,
            "timezone": c.timezone,
            "opens_at": wall_clock(c.opens_at, c.timezone),
            "closes_at": wall_clock(c.closes_at, c.timezone),
            "review_deadline_at": wall_clock(c.review_deadline_at, c.timezone),
            "bidding_closes_at": wall_clock(c.bidding_closes_at, c.timezone),
            "confirmation_deadline_at": wall_clock(c.confirmation_deadline_at, c.timezone),
            "languages": list(c.languages),
            "reviews_per_proposal": c.reviews_per_proposal,
            "chairs_blind": c.phase.chairs_blind,
            "others_reviews": c.others_reviews,
            "independent_scores": c.independent_scores,
        }

    @property
    def blind_switch(self) -> forms.BoundField:
        """The "chairs stay blind" checkbox, for the template (which names no policy field)."""
        return self["chairs_blind"]

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])

    def clean_description(self) -> str:
        return clean_text(self.cleaned_data["description"])

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        needed = ("name", "timezone", "opens_at", "closes_at", "languages", "reviews_per_proposal")
        optional_dates = ("review_deadline_at", "bidding_closes_at", "confirmation_deadline_at")
        if any(d.get(n) in (None, "", []) for n in needed) or any(
            n in self.errors for n in optional_dates
        ):
            return d
        zone = d["timezone"]
        data = services.CallSettingsData(
            name=d["name"],
            description=d.get("description", ""),
            timezone=zone,
            opens_at=in_zone(d["opens_at"], zone),  # type: ignore[arg-type]
            closes_at=in_zone(d["closes_at"], zone),  # type: ignore[arg-type]
            review_deadline_at=in_zone(d.get("review_deadline_at"), zone),
            bidding_closes_at=in_zone(d.get("bidding_closes_at"), zone),
            languages=tuple(d["languages"]),
            reviews_per_proposal=d["reviews_per_proposal"],
            chairs_blind=bool(d.get("chairs_blind")),
            others_reviews=d.get("others_reviews") or visibility.OthersReviews.AFTER_OWN.value,
            independent_scores=bool(d.get("independent_scores")),
            confirmation_deadline_at=in_zone(d.get("confirmation_deadline_at"), zone),
        )
        problems = services.call_settings_problems(data)
        self.show_problems(problems)
        if not problems:
            self.result = data
        return d

    def data_object(self) -> services.CallSettingsData:
        assert self.result is not None
        return self.result


class RowForm(ProblemsForm):
    """One editable row of the settings page; ``row`` is its id (empty for a new one)."""

    @classmethod
    def initial_for(cls, row: Any) -> dict[str, Any]:
        """A stored row (from ``queries.settings_page``) as this form's initial values: each
        field reads the row's attribute of the same name."""
        return {name: getattr(row, name) for name in cls.base_fields}

    def data_object(self) -> Any:  # pragma: no cover - each row form defines it
        raise NotImplementedError


class FormatForm(RowForm):
    slug = forms.SlugField(label=_("Slug"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=100)
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=24 * 60, initial=30
    )
    slots = forms.IntegerField(
        label=_("Slots"),
        min_value=0,
        max_value=10000,
        initial=0,
        help_text=_("How many talks of this format the programme has room for."),
    )

    def data_object(self) -> services.FormatData:
        d = self.cleaned_data
        return services.FormatData(
            slug=d["slug"],
            name=d["name"],
            duration_minutes=d["duration_minutes"],
            slots=d["slots"],
        )


class TrackForm(RowForm):
    slug = forms.SlugField(label=_("Slug"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=100)

    def data_object(self) -> services.TrackData:
        return services.TrackData(slug=self.cleaned_data["slug"], name=self.cleaned_data["name"])


class CriterionForm(RowForm):
    slug = forms.SlugField(label=_("Slug"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=100)
    guidance = forms.CharField(
        label=_("Guidance for reviewers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    minimum = forms.IntegerField(label=_("Lowest score"), min_value=-100, max_value=100, initial=1)
    maximum = forms.IntegerField(label=_("Highest score"), min_value=-100, max_value=100, initial=5)
    weight = forms.FloatField(label=_("Weight"), initial=1.0)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=0)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if all(d.get(n) is not None for n in ("minimum", "maximum", "weight")):
            self.show_problems(services.criterion_problems(self._data(d)))
        return d

    @staticmethod
    def _data(d: dict[str, Any]) -> services.CriterionData:
        return services.CriterionData(
            slug=d.get("slug", ""),
            name=d.get("name", ""),
            guidance=d.get("guidance", ""),
            minimum=d["minimum"],
            maximum=d["maximum"],
            weight=d["weight"],
            position=d.get("position") or 0,
        )

    def data_object(self) -> services.CriterionData:
        return self._data(self.cleaned_data)


class QuestionForm(RowForm):
    @classmethod
    def initial_for(cls, row: Any) -> dict[str, Any]:
        initial = super().initial_for(row.question)
        initial["choices"] = "\n".join(row.question.choices)
        return initial

    label = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), required=False, max_length=500)
    kind = forms.ChoiceField(label=_("Answer"), choices=models.QuestionKind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For “choose” questions: one choice a line."),
    )
    target = forms.ChoiceField(label=_("Asked"), choices=models.QuestionTarget.choices)
    visibility = forms.ChoiceField(
        label=_("Who reads the answers"), choices=models.QuestionVisibility.choices
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=0)

    def clean_label(self) -> str:
        return clean_text(self.cleaned_data["label"])

    def clean_choices(self) -> tuple[str, ...]:
        raw = clean_text(self.cleaned_data["choices"])
        return tuple(line.strip()[:200] for line in raw.splitlines() if line.strip())

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("kind") and "choices" in d:
            self.show_problems(services.question_problems(self._data(d)))
        return d

    @staticmethod
    def _data(d: dict[str, Any]) -> services.QuestionData:
        return services.QuestionData(
            label=d.get("label", ""),
            help_text=d.get("help_text", ""),
            kind=d["kind"],
            choices=d["choices"],
            target=d.get("target") or models.QuestionTarget.PROPOSAL,
            required=bool(d.get("required")),
            visibility=d.get("visibility") or models.QuestionVisibility.CHAIRS,
            position=d.get("position") or 0,
        )

    def data_object(self) -> services.QuestionData:
        return self._data(self.cleaned_data)


class RowActionForm(forms.Form):
    """Which row (empty: a new one) and what to do with it; parsed before the row's own form."""

    row = forms.IntegerField(required=False, min_value=1)
    action = forms.ChoiceField(choices=[("save", "save"), ("delete", "delete")], required=False)
