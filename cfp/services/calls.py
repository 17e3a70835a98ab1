"""Staff set up calls without the Django admin: a new call, or a copy of an earlier one (issue 19).

A new call gets its name, slug, dates, zone, languages and its first formats, tracks and
criteria; a copy takes every setting of the earlier call (formats, tracks, criteria, questions,
languages, reviews per proposal, the blind switch) with new dates. The person who sets it up
becomes its chair (and a copy keeps the earlier call's chairs). Both are one transaction: a bad
row refuses the whole call, nothing half-made stays behind. Both are audited on the new call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField
from django.utils.translation import gettext as _

from cfp import models
from cfp.domain import call_settings as rules
from cfp.domain.messages import Message
from cfp.queries import membership
from cfp.services import audit
from cfp.services import call_settings as settings_services
from cfp.services.memberships import grant_role, grant_roles


class UnableToCreateCall(Exception):
    """The call cannot be created; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class CallData:
    slug: str
    name: str
    timezone: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None
    languages: tuple[str, ...]
    reviews_per_proposal: int = 3
    description: str = ""
    formats: tuple[settings_services.FormatData, ...] = ()
    tracks: tuple[settings_services.TrackData, ...] = ()
    criteria: tuple[settings_services.CriterionData, ...] = ()


@dataclass(frozen=True, slots=True)
class CloneData:
    slug: str
    name: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ClonedCall:
    call_id: int
    source_id: int
    copied: dict[str, int]


def call_problems(data: CallData) -> settings_services.Problems:
    """Bad combinations of the call's own settings and of its first rows."""
    problems = _said(
        rules.call_settings_problems(
            timezone=data.timezone,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            review_deadline_at=data.review_deadline_at,
            languages=data.languages,
            reviews_per_proposal=data.reviews_per_proposal,
        )
    )
    for rows, field in (
        (data.formats, "formats"),
        (data.tracks, "tracks"),
        (data.criteria, "criteria"),
    ):
        slugs = [r.slug for r in rows]
        repeated = sorted({s for s in slugs if slugs.count(s) > 1})
        if repeated:
            problems.append(
                (field, _("Two rows have the same short name: %(s)s.") % {"s": ", ".join(repeated)})
            )
    for criterion in data.criteria:
        for _field, message in settings_services.criterion_problems(criterion):
            problems.append(("criteria", f"{criterion.name}: {message}"))
    return problems


def _said(problems: list[tuple[str, Message]]) -> settings_services.Problems:
    return [(field, message.text(_)) for field, message in problems]


def _refuse(problems: settings_services.Problems) -> None:
    if problems:
        field, message = problems[0]
        raise UnableToCreateCall(message, field=field)


def _new_call(*, values: dict[str, object], slug: str) -> models.Call:
    if models.Call.objects.filter(slug=slug).exists():
        raise UnableToCreateCall(
            _("Another call has the address “%(slug)s”; choose another.") % {"slug": slug},
            field="slug",
        )
    try:
        with transaction.atomic():
            return models.Call.objects.create(slug=slug, **values)
    except IntegrityError as exc:  # taken between the check and the write
        raise UnableToCreateCall(
            _("This address was just taken; choose another."), field="slug"
        ) from exc


def _row_values(data: Any) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


@transaction.atomic
def create_call(*, data: CallData, actor_id: int, now: dt.datetime) -> int:
    """Create the call with its first rows; the creator becomes its chair. Returns its id."""
    _refuse(call_problems(data))
    call = _new_call(
        slug=data.slug,
        values={
            "name": data.name,
            "description": data.description,
            "timezone": data.timezone,
            "opens_at": data.opens_at,
            "closes_at": data.closes_at,
            "review_deadline_at": data.review_deadline_at,
            "languages": list(data.languages),
            "reviews_per_proposal": data.reviews_per_proposal,
        },
    )
    models.Format.objects.bulk_create(
        [models.Format(call=call, **_row_values(f)) for f in data.formats]
    )
    models.Track.objects.bulk_create(
        [models.Track(call=call, **_row_values(t)) for t in data.tracks]
    )
    models.Criterion.objects.bulk_create(
        [models.Criterion(call=call, **_row_values(c)) for c in data.criteria]
    )
    grant_role(call_id=call.pk, user_id=actor_id, role=models.Role.CHAIR)
    audit.record(
        call=call,
        action="call.created",
        actor_id=actor_id,
        data={
            "slug": call.slug,
            "formats": len(data.formats),
            "tracks": len(data.tracks),
            "criteria": len(data.criteria),
        },
        now=now,
    )
    return int(call.pk)


def _copy(model: Any, *, source: models.Call, target: models.Call) -> int:
    """Copy every row of ``model`` from one call to another (all columns but id and call)."""
    skip = {"id", "call"}
    rows = [
        model(
            call=target,
            **{
                f.name: getattr(row, f.name)
                for f in model._meta.concrete_fields
                if f.name not in skip
            },
        )
        for row in model.objects.filter(call=source).order_by("pk")
    ]
    model.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def clone_call_config(
    *, source_slug: str, data: CloneData, actor_id: int, now: dt.datetime
) -> ClonedCall:
    """A new call with every setting of ``source_slug`` and the given name, address and dates.

    Copied: every setting of the call (description, zone, languages, reviews per proposal,
    switches), formats (with slots), tracks, criteria, questions, and the chairs. Not copied:
    proposals, reviews, bids, decisions, the reveal, and dates other than those given (bidding
    stays closed).
    """
    source = models.Call.objects.filter(slug=source_slug).first()
    if source is None:
        raise UnableToCreateCall(_("The call to copy does not exist any more."))
    problems = _said(
        rules.call_settings_problems(
            timezone=source.timezone,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            review_deadline_at=data.review_deadline_at,
            languages=tuple(source.languages or ()),
            reviews_per_proposal=source.reviews_per_proposal,
        )
    )
    _refuse(problems)
    # Every setting of the earlier call, whatever settings the call has grown (a new switch
    # added later is copied too); never its moments: dates are the new call's own, and a
    # reveal or an archiving belongs to the earlier call's history.
    settings = {
        f.name: getattr(source, f.name)
        for f in models.Call._meta.concrete_fields
        if f.name not in ("id", "slug", "name") and not isinstance(f, DateTimeField)
    }
    call = _new_call(
        slug=data.slug,
        values={
            **settings,
            "name": data.name,
            "opens_at": data.opens_at,
            "closes_at": data.closes_at,
            "review_deadline_at": data.review_deadline_at,
        },
    )
    copied = {
        "formats": _copy(models.Format, source=source, target=call),
        "tracks": _copy(models.Track, source=source, target=call),
        "criteria": _copy(models.Criterion, source=source, target=call),
        "questions": _copy(models.Question, source=source, target=call),
    }
    chairs = set(membership.member_user_ids(call_id=source.pk, role=models.Role.CHAIR)) | {actor_id}
    grant_roles(call_id=call.pk, user_ids=sorted(chairs), role=models.Role.CHAIR)
    copied["chairs"] = len(chairs)
    audit.record(
        call=call,
        action="call.cloned",
        actor_id=actor_id,
        data={"from": source.slug, "copied": copied},
        now=now,
    )
    return ClonedCall(call_id=int(call.pk), source_id=int(source.pk), copied=copied)
