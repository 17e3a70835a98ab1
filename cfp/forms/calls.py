"""Forms for staff setting up calls (issue 19): a new call with its first rows, or a copy.

Rows of a new call are typed one a line, ``Name | details``, so the whole call fits on one page
and a keyboard is enough; each bad line is reported with its number and the text stays.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cfp import services
from cfp.domain.languages import LANGUAGE_NAMES, language_name
from cfp.forms.call_settings import ProblemsForm, timezone_choices
from cfp.forms.fields import WallClockField, clean_text, in_zone, wall_clock
from cfp.services import calls as call_services

MAX_ROWS = 50
FORMATS_EXAMPLE = "Talk | 30\nLightning talk | 5"
CRITERIA_EXAMPLE = "Relevance | 1-5 | 2\nClarity | 1-5 | 1"


def _lines(text: str) -> list[tuple[int, list[str]]]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            out.append((number, [part.strip() for part in line.split("|")]))
    if len(out) > MAX_ROWS:
        raise forms.ValidationError(_("At most %(n)s lines.") % {"n": MAX_ROWS})
    return out


def _slug_of(number: int, name: str) -> str:
    slug = slugify(name)[:60]
    if not slug:
        raise forms.ValidationError(
            _("Line %(n)s: the name needs letters or digits.") % {"n": number}
        )
    return slug


def _int(number: int, text: str, what: str) -> int:
    if not re.fullmatch(r"-?\d{1,4}", text):
        raise forms.ValidationError(
            _("Line %(n)s: %(what)s must be a whole number, not “%(text)s”.")
            % {"n": number, "what": what, "text": text}
        )
    return int(text)


def parse_formats(text: str) -> tuple[services.FormatData, ...]:
    rows = []
    for number, parts in _lines(text):
        if len(parts) > 2:
            raise forms.ValidationError(_("Line %(n)s: write “Name | minutes”.") % {"n": number})
        minutes = _int(number, parts[1], str(_("the minutes"))) if len(parts) == 2 else 30
        if not 1 <= minutes <= 24 * 60:
            raise forms.ValidationError(
                _("Line %(n)s: a format lasts from 1 minute to a day.") % {"n": number}
            )
        name = parts[0][:100]
        rows.append(
            services.FormatData(
                slug=_slug_of(number, name), name=name, duration_minutes=minutes, slots=0
            )
        )
    return tuple(rows)


def parse_tracks(text: str) -> tuple[services.TrackData, ...]:
    rows = []
    for number, parts in _lines(text):
        if len(parts) != 1:
            raise forms.ValidationError(_("Line %(n)s: one track name a line.") % {"n": number})
        name = parts[0][:100]
        rows.append(services.TrackData(slug=_slug_of(number, name), name=name))
    return tuple(rows)


def parse_criteria(text: str) -> tuple[services.CriterionData, ...]:
    rows = []
    for position, (number, parts) in enumerate(_lines(text)):
        if len(parts) > 3:
            raise forms.ValidationError(
                _("Line %(n)s: write “Name | lowest-highest | weight”.") % {"n": number}
            )
        low, high, weight = 1, 5, 1.0
        if len(parts) >= 2:
            scale = re.fullmatch(r"\s*(-?\d{1,3})\s*[-–]\s*(-?\d{1,3})\s*", parts[1])
            if scale is None:
                raise forms.ValidationError(
                    _("Line %(n)s: the scale is written like 1-5.") % {"n": number}
                )
            low, high = int(scale.group(1)), int(scale.group(2))
        if len(parts) == 3:
            try:
                weight = float(parts[2].replace(",", "."))
                if not math.isfinite(weight):
                    raise ValueError(parts[2])
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)s: the weight is a number such as 1 or 0.5.") % {"n": number}
                ) from None
        name = parts[0][:100]
        rows.append(
            services.CriterionData(
                slug=_slug_of(number, name),
                name=name,
                minimum=low,
                maximum=high,
                weight=weight,
                position=position,
            )
        )
    return tuple(rows)


class NewCallForm(ProblemsForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=60,
        help_text=_("Letters, digits and hyphens: the call lives at /calls/<address>/."),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), initial="UTC")
    opens_at = WallClockField(label=_("Opens"))
    closes_at = WallClockField(label=_("Closes (submission deadline)"))
    review_deadline_at = WallClockField(label=_("Review deadline"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Talk languages"), widget=forms.CheckboxSelectMultiple, initial=["en"]
    )
    reviews_per_proposal = forms.IntegerField(
        label=_("Reviews per proposal"), min_value=1, max_value=20, initial=3
    )
    formats = forms.CharField(
        label=_("Formats"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        initial=FORMATS_EXAMPLE,
        help_text=_("One a line: “Name | minutes”."),
    )
    tracks = forms.CharField(
        label=_("Tracks"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        help_text=_("One name a line; leave empty for a call without tracks."),
    )
    criteria = forms.CharField(
        label=_("Review criteria"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        initial=CRITERIA_EXAMPLE,
        help_text=_("One a line: “Name | lowest-highest | weight”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["timezone"].choices = timezone_choices()
        fields["languages"].choices = [(c, language_name(c)) for c in LANGUAGE_NAMES]
        self.result: call_services.CallData | None = None

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])

    def clean_formats(self) -> tuple[services.FormatData, ...]:
        rows = parse_formats(clean_text(self.cleaned_data["formats"]))
        if not rows:
            raise forms.ValidationError(_("Speakers need at least one format."))
        return rows

    def clean_tracks(self) -> tuple[services.TrackData, ...]:
        return parse_tracks(clean_text(self.cleaned_data["tracks"]))

    def clean_criteria(self) -> tuple[services.CriterionData, ...]:
        rows = parse_criteria(clean_text(self.cleaned_data["criteria"]))
        if not rows:
            raise forms.ValidationError(_("Reviewers need at least one criterion."))
        return rows

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if self.errors:
            return d
        zone = d["timezone"]
        data = call_services.CallData(
            slug=d["slug"],
            name=d["name"],
            timezone=zone,
            opens_at=in_zone(d["opens_at"], zone),  # type: ignore[arg-type]
            closes_at=in_zone(d["closes_at"], zone),  # type: ignore[arg-type]
            review_deadline_at=in_zone(d.get("review_deadline_at"), zone),
            languages=tuple(d["languages"]),
            reviews_per_proposal=d["reviews_per_proposal"],
            formats=d["formats"],
            tracks=d["tracks"],
            criteria=d["criteria"],
        )
        problems = call_services.call_problems(data)
        self.show_problems(problems)
        if not problems:
            self.result = data
        return d

    def data_object(self) -> call_services.CallData:
        assert self.result is not None
        return self.result


def _next_year(text: str) -> str:
    """ "PyCon 2026" → "PyCon 2027", "pycon-2026" → "pycon-2027"; otherwise unchanged."""
    return re.sub(r"(19|20)\d\d", lambda m: str(int(m.group(0)) + 1), text, count=1)


def _a_year_later(when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    try:
        return when.replace(year=when.year + 1)
    except ValueError:  # 29 February
        return when.replace(year=when.year + 1, day=28)


class CloneCallForm(ProblemsForm):
    name = forms.CharField(label=_("Name of the new call"), max_length=200)
    slug = forms.SlugField(
        label=_("Address of the new call"),
        max_length=60,
        help_text=_("Letters, digits and hyphens: the call lives at /calls/<address>/."),
    )
    opens_at = WallClockField(label=_("Opens"))
    closes_at = WallClockField(label=_("Closes (submission deadline)"))
    review_deadline_at = WallClockField(label=_("Review deadline"), required=False)
    invite_reviewers = forms.BooleanField(
        label=_("Invite this call's reviewers again"),
        required=False,
        initial=True,
        help_text=_(
            "Each gets an invitation e-mail with a new link; they join only if they accept."
        ),
    )

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.result: call_services.CloneData | None = None

    @classmethod
    def initial_for(
        cls,
        *,
        name: str,
        slug: str,
        zone: str,
        opens_at: dt.datetime,
        closes_at: dt.datetime,
        review_deadline_at: dt.datetime | None,
    ) -> dict[str, Any]:
        """The earlier call's name, address and dates a year on (the usual next edition)."""
        return {
            "name": _next_year(name),
            "slug": _next_year(slug) if _next_year(slug) != slug else f"{slug}-next"[:60],
            "opens_at": wall_clock(_a_year_later(opens_at), zone),
            "closes_at": wall_clock(_a_year_later(closes_at), zone),
            "review_deadline_at": wall_clock(_a_year_later(review_deadline_at), zone),
            "invite_reviewers": True,
        }

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if self.errors:
            return d
        data = call_services.CloneData(
            slug=d["slug"],
            name=d["name"],
            opens_at=in_zone(d["opens_at"], self.zone),  # type: ignore[arg-type]
            closes_at=in_zone(d["closes_at"], self.zone),  # type: ignore[arg-type]
            review_deadline_at=in_zone(d.get("review_deadline_at"), self.zone),
        )
        if data.closes_at <= data.opens_at:
            self.add_error("closes_at", _("The call must close after it opens."))
        elif data.review_deadline_at is not None and data.review_deadline_at < data.closes_at:
            self.add_error(
                "review_deadline_at", _("The review deadline cannot be before the call closes.")
            )
        else:
            self.result = data
        return d

    def data_object(self) -> call_services.CloneData:
        assert self.result is not None
        return self.result
