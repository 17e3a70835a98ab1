"""A chair configures the call: its own settings, and its formats, tracks, criteria and questions.

Every change is written to the audit log with the values before and after. The rules of what may
be set are ``cfp.domain.call_settings``; here they are translated and enforced, and the changes
that depend on the database (a slug taken, reviews started, questions answered) are refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cfp import models
from cfp.domain import call_settings as rules
from cfp.domain.messages import Message
from cfp.queries import deletion
from cfp.services import audit, texts

# (form field, message) pairs, translated, in the order a form shows them.
Problems = list[tuple[str, str]]
MAX_SCALE_STEPS = rules.MAX_SCALE_STEPS
MAX_CHOICES = rules.MAX_CHOICES


class UnableToConfigure(Exception):
    """A call setting is refused; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class CallSettingsData:
    name: str
    description: str
    timezone: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None
    # Reviewers bid until then (issue 23); None keeps bidding closed.
    bidding_closes_at: dt.datetime | None
    languages: tuple[str, ...]
    reviews_per_proposal: int
    chairs_blind: bool
    # When reviewers read each other's reviews, and whether the calibration keeps to the first
    # independent scores (issue 21; cfp.domain.visibility.OthersReviews).
    others_reviews: str = "after_own"
    independent_scores: bool = True
    # Accepted speakers confirm or decline until then (issue 19); None: no deadline.
    confirmation_deadline_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class FormatData:
    slug: str
    name: str
    duration_minutes: int
    slots: int


@dataclass(frozen=True, slots=True)
class TrackData:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class CriterionData:
    slug: str
    name: str
    minimum: int
    maximum: int
    weight: float
    guidance: str = ""
    position: int = 0


@dataclass(frozen=True, slots=True)
class QuestionData:
    label: str
    kind: str
    help_text: str = ""
    choices: tuple[str, ...] = ()
    target: str = models.QuestionTarget.PROPOSAL
    required: bool = False
    visibility: str = models.QuestionVisibility.CHAIRS
    position: int = 0


def _said(problems: Sequence[tuple[str, Message]]) -> Problems:
    return [(field, message.text(_)) for field, message in problems]


def call_settings_problems(data: CallSettingsData) -> Problems:
    """Bad combinations, each with the form field it belongs to."""
    return _said(
        rules.call_settings_problems(
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            review_deadline_at=data.review_deadline_at,
            reviews_per_proposal=data.reviews_per_proposal,
            languages=data.languages,
            timezone=data.timezone,
        )
    )


def criterion_problems(data: CriterionData) -> Problems:
    return _said(
        rules.criterion_problems(minimum=data.minimum, maximum=data.maximum, weight=data.weight)
    )


def question_problems(data: QuestionData) -> Problems:
    return _said(rules.question_problems(kind=data.kind, choices=data.choices))


def _refuse(problems: Problems) -> None:
    if problems:
        field_name, message = problems[0]
        raise UnableToConfigure(message, field=field_name)


def _locked_call(call_slug: str) -> models.Call:
    # Locking the call row serialises two chairs editing the configuration at once.
    call = (
        models.Call.objects.select_for_update(no_key=True)
        .filter(slug=call_slug, archived_at__isnull=True)
        .first()
    )
    if call is None:
        raise UnableToConfigure(_("This call does not exist."))
    return call


def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _values(data: Any) -> dict[str, object]:
    """A settings dataclass as {model field: value}: its fields are named after the columns."""
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


def _apply(row: Any, values: Mapping[str, object]) -> dict[str, list[object]]:
    """Set the changed attributes; return {field: [old, new]} for the audit log."""
    changes: dict[str, list[object]] = {}
    for name, value in values.items():
        new = list(value) if isinstance(value, tuple) else value
        old = getattr(row, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
            setattr(row, name, new)
    return changes


@transaction.atomic
def update_call_settings(
    *, call_slug: str, data: CallSettingsData, actor_id: int, now: dt.datetime
) -> tuple[str, ...]:
    """Save the call's own settings; returns the names of the fields that changed."""
    _refuse(call_settings_problems(data))
    call = _locked_call(call_slug)
    changes = _apply(call, _values(data))
    if not changes:
        return ()
    call.save(update_fields=list(changes))
    audit.record(
        call=call, action="call.changed", actor_id=actor_id, data={"changes": changes}, now=now
    )
    return tuple(changes)


def _row(model: Any, *, call: models.Call, row_id: int | None) -> Any:
    if row_id is None:
        return model(call=call)
    row = model.objects.filter(call=call, pk=row_id).first()
    if row is None:
        raise UnableToConfigure(_("This row was deleted meanwhile; reload the page."))
    return row


def _save_row(
    *,
    model: Any,
    noun: str,
    call: models.Call,
    row_id: int | None,
    values: Mapping[str, object],
    actor_id: int,
    now: dt.datetime,
) -> int:
    row = _row(model, call=call, row_id=row_id)
    slug = values.get("slug")
    if slug is not None:
        taken = model.objects.filter(call=call, slug=slug).exclude(pk=row.pk).exists()
        if taken:
            raise UnableToConfigure(
                _("This call has another %(noun)s with the slug “%(slug)s”.")
                % {"noun": noun, "slug": slug},
                field="slug",
            )
    changes = _apply(row, values)
    if row_id is not None and not changes:
        return int(row.pk)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # a concurrent save took the slug between check and write
        raise UnableToConfigure(_("This slug is taken; choose another."), field="slug") from exc
    audit.record(
        call=call,
        action=f"{model._meta.model_name}.{'changed' if row_id else 'added'}",
        actor_id=actor_id,
        data={"id": row.pk, "changes": changes},
        now=now,
    )
    return int(row.pk)


def _delete_row(
    *,
    model: Any,
    call: models.Call,
    row_id: int,
    actor_id: int,
    now: dt.datetime,
    extra: Mapping[str, object] | None = None,
) -> Any:
    row = _row(model, call=call, row_id=row_id)
    snapshot = {
        f.name: _jsonable(getattr(row, f.name))
        for f in model._meta.concrete_fields
        if f.name not in ("id", "call")
    }
    row.delete()
    audit.record(
        call=call,
        action=f"{model._meta.model_name}.deleted",
        actor_id=actor_id,
        data={"id": row_id, "row": snapshot, **(extra or {})},
        now=now,
    )
    return row


def _in_use(noun: str, n: int) -> str:
    # The count first: "used by 12 proposals" is what the chair must know before anything else.
    return ngettext(
        "This %(noun)s is used by %(n)s proposal: move it to another %(noun)s first.",
        "This %(noun)s is used by %(n)s proposals: move them to another %(noun)s first.",
        n,
    ) % {"noun": noun, "n": n}


def _move_proposals(
    *,
    model: Any,
    column: str,
    call: models.Call,
    row_id: int,
    move_to_id: int | None,
    clear: bool,
    noun: str,
    now: dt.datetime,
) -> dict[str, object]:
    """Move every proposal off the row about to be deleted; refuse with the count if the chair
    did not say where. Returns what the audit event records about the move."""
    _row(model, call=call, row_id=row_id)  # a row deleted meanwhile is refused first
    using = models.Proposal.objects.filter(call=call, **{column: row_id})
    n = using.count()
    if not n:
        return {}
    if move_to_id is None and not clear:
        raise UnableToConfigure(_in_use(noun, n), field="move_to")
    if move_to_id is not None and (
        move_to_id == row_id or not model.objects.filter(call=call, pk=move_to_id).exists()
    ):
        raise UnableToConfigure(
            _("Choose another %(noun)s of this call.") % {"noun": noun}, field="move_to"
        )
    # updated_at moves too: the dashboards' caches key on the newest change of the proposals.
    moved = using.update(**{column: move_to_id, "updated_at": now})
    return {"moved": moved, "moved_to": move_to_id}


@transaction.atomic
def save_format(
    *, call_slug: str, format_id: int | None, data: FormatData, actor_id: int, now: dt.datetime
) -> int:
    if data.duration_minutes < 1:
        raise UnableToConfigure(_("A format lasts at least a minute."), field="duration_minutes")
    return _save_row(
        model=models.Format,
        noun=_("format"),
        call=_locked_call(call_slug),
        row_id=format_id,
        values=_values(data),
        actor_id=actor_id,
        now=now,
    )


@transaction.atomic
def delete_format(
    *,
    call_slug: str,
    format_id: int,
    actor_id: int,
    now: dt.datetime,
    move_to_id: int | None = None,
) -> None:
    """Delete a format; proposals using it are refused with their count unless ``move_to_id``
    names another format of the call, and then they move and the format goes in one
    transaction (audited with the number moved)."""
    call = _locked_call(call_slug)
    moved = _move_proposals(
        model=models.Format,
        column="format_id",
        call=call,
        row_id=format_id,
        move_to_id=move_to_id,
        clear=False,
        noun=_("format"),
        now=now,
    )
    _delete_row(
        model=models.Format, call=call, row_id=format_id, actor_id=actor_id, now=now, extra=moved
    )


@transaction.atomic
def save_track(
    *, call_slug: str, track_id: int | None, data: TrackData, actor_id: int, now: dt.datetime
) -> int:
    return _save_row(
        model=models.Track,
        noun=_("track"),
        call=_locked_call(call_slug),
        row_id=track_id,
        values=_values(data),
        actor_id=actor_id,
        now=now,
    )


@transaction.atomic
def delete_track(
    *,
    call_slug: str,
    track_id: int,
    actor_id: int,
    now: dt.datetime,
    move_to_id: int | None = None,
    clear: bool = False,
) -> None:
    """Delete a track. Proposals in it are refused with their count unless the chair chose
    another track (``move_to_id``) or no track at all (``clear``); then they move and the track
    goes in one transaction (audited with the number moved)."""
    call = _locked_call(call_slug)
    moved = _move_proposals(
        model=models.Track,
        column="track_id",
        call=call,
        row_id=track_id,
        move_to_id=move_to_id,
        clear=clear,
        noun=_("track"),
        now=now,
    )
    _delete_row(
        model=models.Track, call=call, row_id=track_id, actor_id=actor_id, now=now, extra=moved
    )


def _reviews_started(call: models.Call) -> bool:
    # Scores are stored per criterion slug by the reviews app (reverse relation "reviews");
    # once one exists, changing a criterion's slug or scale would orphan or mis-scale them.
    return bool(call.reviews.exists())


@transaction.atomic
def save_criterion(
    *,
    call_slug: str,
    criterion_id: int | None,
    data: CriterionData,
    actor_id: int,
    now: dt.datetime,
) -> int:
    _refuse(criterion_problems(data))
    call = _locked_call(call_slug)
    if criterion_id is not None and _reviews_started(call):
        current = _row(models.Criterion, call=call, row_id=criterion_id)
        for name in ("slug", "minimum", "maximum"):
            if getattr(current, name) != getattr(data, name):
                raise UnableToConfigure(
                    _("Reviews have started: the slug and the scale cannot change any more."),
                    field=name,
                )
    return _save_row(
        model=models.Criterion,
        noun=_("criterion"),
        call=call,
        row_id=criterion_id,
        values=_values(data),
        actor_id=actor_id,
        now=now,
    )


@transaction.atomic
def delete_criterion(*, call_slug: str, criterion_id: int, actor_id: int, now: dt.datetime) -> None:
    """Delete a criterion, refused with the count once reviews have scored it (their scores
    would be orphaned: there is nowhere to move a score on another scale)."""
    call = _locked_call(call_slug)
    scored = deletion.criterion_scores(call_id=call.pk, criterion_id=criterion_id)
    if scored:
        raise UnableToConfigure(
            ngettext(
                "This criterion is used by %(n)s review: it cannot be deleted any more.",
                "This criterion is used by %(n)s reviews: it cannot be deleted any more.",
                scored,
            )
            % {"n": scored}
        )
    if _reviews_started(call):
        raise UnableToConfigure(_("Reviews have started: criteria cannot be deleted any more."))
    _delete_row(model=models.Criterion, call=call, row_id=criterion_id, actor_id=actor_id, now=now)


@transaction.atomic
def save_question(
    *,
    call_slug: str,
    question_id: int | None,
    data: QuestionData,
    actor_id: int,
    now: dt.datetime,
) -> int:
    """Add or change a question; reviewer-visible answers are rescanned when visibility changes."""
    _refuse(question_problems(data))
    call = _locked_call(call_slug)
    rescan = False
    if question_id is not None:
        current = _row(models.Question, call=call, row_id=question_id)
        answered = current.answers.exists()
        if answered and current.kind != data.kind:
            raise UnableToConfigure(
                _("Speakers have answered this question: its kind cannot change. Add a new one."),
                field="kind",
            )
        if answered and current.target != data.target:
            raise UnableToConfigure(
                _("Speakers have answered this question: ask a new one instead."),
                field="target",
            )
        rescan = answered and current.visibility != data.visibility
    pk = _save_row(
        model=models.Question,
        noun=_("question"),
        call=call,
        row_id=question_id,
        values=_values(data),
        actor_id=actor_id,
        now=now,
    )
    if rescan:
        answering = models.Answer.objects.filter(question_id=pk).values_list(
            "proposal_id", flat=True
        )
        texts.rescan_proposals(proposal_ids=answering.distinct())
    return pk


@transaction.atomic
def delete_question(*, call_slug: str, question_id: int, actor_id: int, now: dt.datetime) -> None:
    """Delete a question and its answers; reviewers stop seeing them."""
    call = _locked_call(call_slug)
    affected = list(
        models.Proposal.objects.filter(answers__question_id=question_id, call=call)
        .distinct()
        .order_by("pk")
    )
    _delete_row(model=models.Question, call=call, row_id=question_id, actor_id=actor_id, now=now)
    texts.store_texts(proposals=affected)
