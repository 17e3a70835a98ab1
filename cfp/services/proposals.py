"""Submitting, editing and withdrawing a proposal, and the speakers' answers to its questions.

Every save of the text ends in ``texts.store_texts`` (what reviewers get, and the version row).
The leak scan runs before the write transaction (issue 13): on SQLite an open write transaction
blocks every other writer, and the scanner's time grows with the text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cfp import models, outbox
from cfp.domain import answers as answer_rules
from cfp.domain import editing
from cfp.queries import proposals as proposal_queries
from cfp.services import audit, notices, speakers, texts
from common import codes

REVIEWER_FIELDS = texts.REVIEWER_FIELDS
# The abstract's limit: the submission form's, and an accepted mentor's suggestion's (issue 25).
MAX_ABSTRACT = 3000


class UnableToSubmit(Exception):
    """The proposal cannot be saved; the message is for the person who typed it."""


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """One answer as typed: text, a number, True/False, a choice or a tuple of choices.

    ``None`` (or an empty string or tuple) means "not answered".
    """

    question_id: int
    value: str | float | bool | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class ProposalData:
    title: str
    abstract: str
    format_slug: str
    description: str = ""
    notes: str = ""
    track_slug: str = ""
    level: str = models.Level.INTERMEDIATE
    language: str = "en"
    # Answers to the call's own questions; None leaves stored answers untouched (imports).
    answers: tuple[AnswerInput, ...] | None = None


def is_editable(*, call: models.Call, proposal: models.Proposal | None, now: dt.datetime) -> bool:
    """The text and the speaker line-up change only while the call (or a reopening) is open."""
    return editing.is_editable(
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        reopened_until=proposal.reopened_until if proposal is not None else None,
        now=now,
    )


def _editable(*, call: models.Call, proposal: models.Proposal | None, now: dt.datetime) -> None:
    if now < call.opens_at:
        raise UnableToSubmit(
            _("This call opens at %(when)s.")
            % {"when": editing.local_time(when=call.opens_at, zone_name=call.timezone)}
        )
    if not is_editable(call=call, proposal=proposal, now=now):
        raise UnableToSubmit(
            _("The call closed at %(when)s: changes are not saved. Your text is kept below.")
            % {"when": editing.local_time(when=call.closes_at, zone_name=call.timezone)}
        )


def _is_web_address(text: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return False
    return True


def normalise_answer(*, kind: str, choices: Sequence[str], value: Any) -> Any:
    """The JSON value to store for one answer, or None when it is empty.

    Raises ValueError with a message for the person who typed it (``answers.normalise_answer``).
    """
    try:
        return answer_rules.normalise_answer(
            kind=kind, choices=choices, value=value, is_web_address=_is_web_address
        )
    except answer_rules.AnswerProblem as exc:
        raise ValueError(exc.message.text(_)) from exc


def _save_answers(
    *,
    proposal: models.Proposal,
    speaker: models.Speaker,
    answers: tuple[AnswerInput, ...],
    now: dt.datetime,
) -> bool:
    """Store the answers this person gave; True when a reviewer-visible answer changed.

    Per-speaker questions are answered by each speaker for themself.
    """
    # In the form's order, so the first refusal named is the first question on the page.
    asked = models.Question.objects.filter(call_id=proposal.call_id).order_by("position", "pk")
    questions = {q.pk: q for q in asked}
    given = {a.question_id: a.value for a in answers}
    if set(given) - set(questions):
        raise UnableToSubmit(_("The call's questions changed; reload the page and try again."))
    existing = {
        (a.question_id, a.speaker_id): a
        for a in models.Answer.objects.filter(proposal=proposal).filter(
            Q(speaker__isnull=True) | Q(speaker=speaker)
        )
    }
    visible_changed = False
    for question in questions.values():
        per_speaker = question.target == models.QuestionTarget.SPEAKER
        try:
            value = normalise_answer(
                kind=question.kind, choices=question.choices or [], value=given.get(question.pk)
            )
        except ValueError as exc:
            raise UnableToSubmit(f"{question.label}: {exc}") from exc
        if value is None and question.required:
            raise UnableToSubmit(_("“%(label)s” needs an answer.") % {"label": question.label})
        current = existing.get((question.pk, speaker.pk if per_speaker else None))
        if current is not None and current.value == value:
            continue
        if value is None:
            if current is None:
                continue
            current.delete()
        elif current is None:
            models.Answer.objects.create(
                question=question,
                proposal=proposal,
                speaker=speaker if per_speaker else None,
                value=value,
                updated_at=now,
            )
        else:
            current.value, current.updated_at = value, now
            current.save(update_fields=["value", "updated_at"])
        visible_changed |= question.visibility == models.QuestionVisibility.REVIEWERS
    return visible_changed


# --- proposals -------------------------------------------------------------------------------


def _resolve_choices(
    *, call: models.Call, data: ProposalData
) -> tuple[models.Format, models.Track | None]:
    fmt = models.Format.objects.filter(call=call, slug=data.format_slug).first()
    if fmt is None:
        raise UnableToSubmit(_("Choose one of this call's formats."))
    track = None
    if data.track_slug:
        track = models.Track.objects.filter(call=call, slug=data.track_slug).first()
        if track is None:
            raise UnableToSubmit(_("Choose one of this call's tracks."))
    return fmt, track


def _new_code() -> str:
    for _attempt in range(20):
        code = codes.new_code()
        if not models.Proposal.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not find a free proposal code")  # pragma: no cover


def _texts_to_scan(*, call_id: int, data: ProposalData) -> list[str]:
    """The texts of ``data`` that reviewers will see, as they will be stored.

    Read outside the write transaction, so a question may change before it runs; the
    transaction scans whatever is missing here.
    """
    found = [getattr(data, name) for name in REVIEWER_FIELDS]
    questions = models.Question.objects.filter(
        call_id=call_id,
        visibility=models.QuestionVisibility.REVIEWERS,
        kind__in=answer_rules.TEXT_KINDS,
    )
    kinds = {q.pk: (q.kind, q.choices or []) for q in questions}
    for answer in data.answers or ():
        if answer.question_id not in kinds:
            continue
        kind, choices = kinds[answer.question_id]
        try:
            value = normalise_answer(kind=kind, choices=choices, value=answer.value)
        except ValueError:
            continue  # refused in the transaction
        found.append(answer_rules.answer_text(kind=kind, value=value))
    return found


def receipt_body(*, call_name: str, title: str, code: str, closes: str, url: str) -> str:
    """The submission receipt: it names the proposal and links to its page (when known)."""
    body = _(
        "Thank you for submitting “%(title)s” to %(call)s.\n\n"
        "Your proposal has the code %(code)s. You can edit or withdraw it until %(closes)s."
    ) % {"title": title, "call": call_name, "code": code, "closes": closes}
    if url:
        body += "\n\n" + _("Your proposal: %(url)s") % {"url": url}
    return body


def submit_proposal(
    *,
    call_slug: str,
    owner: AbstractBaseUser,
    data: ProposalData,
    token: str,
    now: dt.datetime,
    mine_url: str = "",
    draft: bool = False,
) -> str:
    """Create a proposal; the same ``token`` twice (a double click) returns the first one.

    ``draft`` saves it without submitting (issue 25): no receipt, nobody on the committee sees
    it, and ``submit_draft`` submits it later, while the call is open.

    ``mine_url`` is the absolute address of the call's "my proposals" page; the receipt links
    to the proposal's own page under it (``<mine_url><code>/``).

    The leak scan runs before the transaction: on SQLite an open write transaction blocks
    every other writer, and the scanner's time grows with the text (issue 13).
    """
    prescanned: texts.Prescanned = {}
    call = models.Call.objects.filter(slug=call_slug, archived_at__isnull=True).first()
    if call is not None:
        prescanned = texts.prescan(
            texts=_texts_to_scan(call_id=call.pk, data=data),
            speakers=[texts.identity(speakers.profile_or_new(owner))],
        )
    return _submit_proposal(
        call_slug=call_slug,
        owner=owner,
        data=data,
        token=token,
        now=now,
        prescanned=prescanned,
        mine_url=mine_url,
        draft=draft,
    )


@transaction.atomic
def _submit_proposal(
    *,
    call_slug: str,
    owner: AbstractBaseUser,
    data: ProposalData,
    token: str,
    now: dt.datetime,
    prescanned: texts.Prescanned,
    mine_url: str,
    draft: bool,
) -> str:
    call = models.Call.objects.filter(slug=call_slug, archived_at__isnull=True).first()
    if call is None:
        raise UnableToSubmit(_("This call does not exist."))
    existing = models.Proposal.objects.filter(owner_id=owner.pk, submission_token=token).first()
    if existing is not None:
        return existing.code
    _editable(call=call, proposal=None, now=now)
    fmt, track = _resolve_choices(call=call, data=data)
    if call.languages and data.language not in call.languages:
        raise UnableToSubmit(_("Choose one of this call's talk languages."))
    proposal = models.Proposal(
        call=call,
        code=_new_code(),
        owner_id=owner.pk,
        submission_token=token,
        state=models.ProposalState.DRAFT if draft else models.ProposalState.SUBMITTED,
        title=data.title,
        abstract=data.abstract,
        description=data.description,
        notes=data.notes,
        format=fmt,
        track=track,
        level=data.level,
        language=data.language,
        submitted_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        # A concurrent request with the same token won the race: hand back its proposal.
        winner = models.Proposal.objects.get(owner_id=owner.pk, submission_token=token)
        return winner.code
    speaker = speakers.speaker_for_user(owner)
    models.ProposalSpeaker.objects.create(proposal=proposal, speaker=speaker, confirmed_at=now)
    if data.answers is not None:
        _save_answers(proposal=proposal, speaker=speaker, answers=data.answers, now=now)
    texts.store_texts(
        proposals=[proposal],
        versions={proposal.pk: texts.NewVersion(created_at=now, created_by_id=owner.pk)},
        prescanned=prescanned,
    )
    if not draft:
        _queue_receipt(proposal=proposal, to=speaker.email, mine_url=mine_url, now=now)
    return proposal.code


def _queue_receipt(*, proposal: models.Proposal, to: str, mine_url: str, now: dt.datetime) -> None:
    call = proposal.call
    outbox.queue_email(
        key=f"submitted:{proposal.code}",
        to=to,
        # One line, whatever the title holds: a mail header cannot carry a line break.
        subject=_("We received your proposal “%(title)s”")
        % {"title": " ".join(proposal.title.split())[:200]},
        body=receipt_body(
            call_name=call.name,
            title=proposal.title,
            code=proposal.code,
            closes=editing.local_time(when=call.closes_at, zone_name=call.timezone),
            url=f"{mine_url}{proposal.code}/" if mine_url else "",
        ),
        now=now,
    )


SUBMITTED_DRAFT_ACTION = "proposal.draft_submitted"


@transaction.atomic
def submit_draft(
    *, call_slug: str, code: str, user_id: int, now: dt.datetime, mine_url: str = ""
) -> None:
    """Submit a draft (owner only): from now on it takes part in the call like any submission.

    The deadline applies here, not to saving the draft: a submit one second late is refused and
    the draft stays as it was. Submitting twice changes nothing.
    """
    proposal = locked_for_speaker(call_slug=call_slug, code=code, user_id=user_id, owner_only=True)
    if proposal.state != models.ProposalState.DRAFT:
        return
    _editable(call=proposal.call, proposal=proposal, now=now)
    proposal.state = models.ProposalState.SUBMITTED
    proposal.submitted_at = proposal.updated_at = now
    proposal.save(update_fields=["state", "submitted_at", "updated_at"])
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action=SUBMITTED_DRAFT_ACTION,
        data={"version": proposal.version},
        now=now,
    )
    owner = speakers.speaker_for_user(get_user_model().objects.get(pk=user_id))
    _queue_receipt(proposal=proposal, to=owner.email, mine_url=mine_url, now=now)


def locked_for_speaker(
    *,
    call_slug: str,
    code: str,
    user_id: int,
    owner_only: bool,
    error: type[Exception] = UnableToSubmit,
) -> models.Proposal:
    """The proposal, locked, if this person owns it (or, unless ``owner_only``, speaks on it).

    Co-speakers edit the text and their own answers; only the owner withdraws and changes the
    speaker line-up.
    """
    proposal = (
        models.Proposal.objects.select_for_update(of=("self",), no_key=True)
        .filter(usable_by(call_slug=call_slug, code=code, user_id=user_id, owner_only=owner_only))
        .select_related("call")
        .first()
    )
    if proposal is None:
        raise error(_("This proposal does not exist."))
    return proposal


def usable_by(*, call_slug: str, code: str, user_id: int, owner_only: bool) -> Q:
    """The proposal ``code`` of a live call, if this person owns it (or speaks on it)."""
    allowed = Q(owner_id=user_id)
    if not owner_only:
        speaking = models.ProposalSpeaker.objects.filter(speaker__user_id=user_id)
        allowed |= Q(pk__in=speaking.values("proposal_id"))
    return allowed & Q(call__slug=call_slug, code=code, call__archived_at__isnull=True)


def update_proposal(
    *, call_slug: str, code: str, user_id: int, data: ProposalData, now: dt.datetime
) -> int:
    """Save a new version of the text (owner or co-speaker); returns the version number.

    As in ``submit_proposal``, the leak scan runs before the transaction, against the line-up
    and the other speakers' answers as they are now.
    """
    prescanned: texts.Prescanned = {}
    usable = usable_by(call_slug=call_slug, code=code, user_id=user_id, owner_only=False)
    proposal = models.Proposal.objects.filter(usable).first()
    if proposal is not None:
        links = proposal.speaker_links.select_related("speaker").order_by("position", "pk")
        stored = proposal.answers.filter(
            question__visibility=models.QuestionVisibility.REVIEWERS,
            question__kind__in=answer_rules.TEXT_KINDS,
        ).select_related("question")
        prescanned = texts.prescan(
            texts=[
                *_texts_to_scan(call_id=proposal.call_id, data=data),
                *(answer_rules.answer_text(kind=a.question.kind, value=a.value) for a in stored),
            ],
            speakers=[texts.identity(link.speaker) for link in links],
        )
    return _update_proposal(
        call_slug=call_slug, code=code, user_id=user_id, data=data, now=now, prescanned=prescanned
    )


@transaction.atomic
def _update_proposal(
    *,
    call_slug: str,
    code: str,
    user_id: int,
    data: ProposalData,
    now: dt.datetime,
    prescanned: texts.Prescanned,
) -> int:
    proposal = locked_for_speaker(call_slug=call_slug, code=code, user_id=user_id, owner_only=False)
    if proposal.state == models.ProposalState.WITHDRAWN:
        raise UnableToSubmit(_("This proposal was withdrawn."))
    _editable(call=proposal.call, proposal=proposal, now=now)
    fmt, track = _resolve_choices(call=proposal.call, data=data)
    if (
        proposal.call.languages
        and data.language != proposal.language
        and data.language not in proposal.call.languages
    ):
        raise UnableToSubmit(_("Choose one of this call's talk languages."))
    answers_changed = False
    if data.answers is not None:
        speaker = models.Speaker.objects.filter(user_id=user_id).first()
        if speaker is None:  # the owner of an imported proposal who never had a profile
            speaker = speakers.speaker_for_user(get_user_model().objects.get(pk=user_id))
        answers_changed = _save_answers(
            proposal=proposal, speaker=speaker, answers=data.answers, now=now
        )
    text_changed = any(
        getattr(proposal, name) != getattr(data, name) for name in REVIEWER_FIELDS
    ) or (fmt.pk, track.pk if track else None, data.level, data.language) != (
        proposal.format_id,
        proposal.track_id,
        proposal.level,
        proposal.language,
    )
    if not (text_changed or answers_changed):
        return proposal.version
    for name in REVIEWER_FIELDS:
        setattr(proposal, name, getattr(data, name))
    proposal.format, proposal.track = fmt, track
    proposal.level, proposal.language = data.level, data.language
    proposal.version += 1
    proposal.updated_at = now
    proposal.save()
    texts.store_texts(
        proposals=[proposal],
        versions={proposal.pk: texts.NewVersion(created_at=now, created_by_id=user_id)},
        prescanned=prescanned,
    )
    # Changed after the speakers were told it is accepted: the chairs hear of it (issue 19).
    notices.notify_chairs(
        proposal=proposal, kind=models.NoticeKind.EDITED, actor_id=user_id, now=now
    )
    return proposal.version


WITHDRAWN_ACTION = proposal_queries.WITHDRAWN_ACTION
UNDONE_ACTION = proposal_queries.UNDONE_ACTION


@transaction.atomic
def withdraw_proposal(*, call_slug: str, code: str, user_id: int, now: dt.datetime) -> None:
    """Take the proposal out of the call (owner only); a second withdrawal changes nothing.

    The audit row keeps the state it had, so ``undo_withdrawal`` can put it back.
    """
    proposal = locked_for_speaker(call_slug=call_slug, code=code, user_id=user_id, owner_only=True)
    if proposal.state == models.ProposalState.WITHDRAWN:
        return
    previous = proposal.state
    proposal.state = models.ProposalState.WITHDRAWN
    proposal.updated_at = now
    proposal.save(update_fields=["state", "updated_at"])
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action=WITHDRAWN_ACTION,
        data={"previous_state": previous},
        now=now,
    )
    notices.notify_chairs(
        proposal=proposal, kind=models.NoticeKind.WITHDRAWN, actor_id=user_id, now=now
    )


def _state_before_withdrawal(proposal: models.Proposal) -> str:
    """The state the latest withdrawal recorded; submitted for a withdrawal without one."""
    data = (
        models.AuditEvent.objects.filter(proposal=proposal, action=WITHDRAWN_ACTION)
        .order_by("-created_at", "-pk")
        .values_list("data", flat=True)
        .first()
    )
    previous = (data or {}).get("previous_state") if isinstance(data, dict) else None
    valid = {str(state) for state in models.ProposalState} - {models.ProposalState.WITHDRAWN}
    return previous if previous in valid else models.ProposalState.SUBMITTED


@transaction.atomic
def undo_withdrawal(*, call_slug: str, code: str, user_id: int, now: dt.datetime) -> str:
    """Put a withdrawn proposal back in the state it had (owner only, until the deadline).

    Returns the state it is in now. The reviewer queue, assignment and aggregation read
    ``Proposal.objects.submitted()``, so the proposal takes part in the call again at once.
    """
    proposal = locked_for_speaker(call_slug=call_slug, code=code, user_id=user_id, owner_only=True)
    if proposal.state != models.ProposalState.WITHDRAWN:
        return proposal.state
    if not is_editable(call=proposal.call, proposal=proposal, now=now):
        raise UnableToSubmit(
            _(
                "The call closed at %(when)s: a withdrawal can no longer be undone. "
                "Write to the chairs if you still want to take part."
            )
            % {
                "when": editing.local_time(
                    when=proposal.call.closes_at, zone_name=proposal.call.timezone
                )
            }
        )
    proposal.state = _state_before_withdrawal(proposal)
    proposal.updated_at = now
    proposal.save(update_fields=["state", "updated_at"])
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action=UNDONE_ACTION,
        data={"state": proposal.state},
        now=now,
    )
    return proposal.state
