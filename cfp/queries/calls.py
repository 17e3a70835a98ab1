"""Calls as the public pages and the submission form see them: dates, formats, tracks, criteria."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Prefetch

from cfp import models
from cfp.domain import languages as talk_languages
from cfp.domain.visibility import Phase
from cfp.queries.membership import phase_of


@dataclass(frozen=True, slots=True)
class FormatRow:
    slug: str
    name: str
    duration_minutes: int
    slots: int
    id: int = 0
    # How many proposals chose it: counted for the settings page only.
    proposals: int = 0


def format_row(f: models.Format, *, proposals: int = 0) -> FormatRow:
    return FormatRow(
        id=f.pk,
        slug=f.slug,
        name=f.name,
        duration_minutes=f.duration_minutes,
        slots=f.slots,
        proposals=proposals,
    )


@dataclass(frozen=True, slots=True)
class CriterionRow:
    slug: str
    name: str
    guidance: str
    minimum: int
    maximum: int
    weight: float
    id: int = 0
    position: int = 0

    @property
    def choices(self) -> tuple[int, ...]:
        return tuple(range(self.minimum, self.maximum + 1))


def criterion_row(c: models.Criterion, *, language: str = "") -> CriterionRow:
    """``language``: the reader's, for the name and guidance in it where the chairs translated
    them (issue 24); empty for the chairs' settings page, which edits the originals."""
    name, guidance = c.name, c.guidance
    main = getattr(c, "main_language", "")
    if language and main:
        name, guidance = (
            talk_languages.translated(
                original=original,
                main_language=main,
                translations=c.translations or {},
                field=field,
                wanted=language,
            ).text
            for field, original in (("name", c.name), ("guidance", c.guidance))
        )
    return CriterionRow(
        id=c.pk,
        slug=c.slug,
        name=name,
        guidance=guidance,
        minimum=c.minimum,
        maximum=c.maximum,
        weight=c.weight,
        position=c.position,
    )


# The order chairs gave the criteria: the scoring form, the settings page and exports use it.
CRITERIA_ORDER = ("position", "slug")


def call_criteria(*, call_id: int, language: str = "") -> tuple[CriterionRow, ...]:
    """The call's criteria in the chair's order (one query); with ``language``, names and
    guidance in it where translated."""
    rows = (
        models.Criterion.objects.filter(call_id=call_id)
        .annotate(main_language=F("call__main_language"))
        .order_by(*CRITERIA_ORDER)
    )
    return tuple(criterion_row(c, language=language) for c in rows)


@dataclass(frozen=True, slots=True)
class CallSummary:
    id: int
    slug: str
    name: str
    description: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None
    reviews_per_proposal: int
    phase: Phase
    languages: tuple[str, ...]
    timezone: str = "UTC"
    formats: tuple[FormatRow, ...] = ()
    tracks: tuple[tuple[str, str], ...] = ()
    criteria: tuple[CriterionRow, ...] = ()
    confirmation_deadline_at: dt.datetime | None = None
    # The language the description is written in, and its translations: (language, text).
    main_language: str = "en"
    description_translations: tuple[tuple[str, str], ...] = ()

    def description_in(self, language: str) -> talk_languages.Shown:
        """The description in ``language`` if the chairs translated it, else the fallback."""
        return talk_languages.translated(
            original=self.description,
            main_language=self.main_language,
            translations={code: {"description": t} for code, t in self.description_translations},
            field="description",
            wanted=language,
        )

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def _summary(call: models.Call, *, full: bool) -> CallSummary:
    return CallSummary(
        id=call.pk,
        slug=call.slug,
        name=call.name,
        description=call.description,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        review_deadline_at=call.review_deadline_at,
        reviews_per_proposal=call.reviews_per_proposal,
        phase=phase_of(call),
        languages=tuple(call.languages or ()),
        timezone=call.timezone,
        formats=tuple(format_row(f) for f in call.formats.all()) if full else (),
        tracks=tuple((t.slug, t.name) for t in call.tracks.all()) if full else (),
        criteria=tuple(criterion_row(c) for c in call.criteria.all()) if full else (),
        confirmation_deadline_at=call.confirmation_deadline_at,
        main_language=call.main_language,
        description_translations=tuple(
            (code, str(texts.get("description", "")))
            for code, texts in sorted((call.translations or {}).items())
            if isinstance(texts, dict)
        ),
    )


def listed_calls(*, now: dt.datetime) -> tuple[CallSummary, ...]:
    """Calls open now or opening soon, for the home page."""
    rows = models.Call.objects.filter(archived_at__isnull=True, closes_at__gt=now).order_by(
        "closes_at"
    )
    return tuple(_summary(c, full=False) for c in rows)


def call_summary(*, slug: str) -> CallSummary | None:
    call = (
        models.Call.objects.filter(slug=slug, archived_at__isnull=True)
        .prefetch_related(
            Prefetch("formats", queryset=models.Format.objects.order_by("name", "pk")),
            Prefetch("tracks", queryset=models.Track.objects.order_by("name", "pk")),
            Prefetch("criteria", queryset=models.Criterion.objects.order_by(*CRITERIA_ORDER)),
        )
        .first()
    )
    return _summary(call, full=True) if call else None
