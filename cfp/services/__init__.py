"""The write side of calls and proposals: one keyword-only function per use case."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfp import models, queries
from cfp.domain import answers, leaks
from cfp.services import texts
from cfp.services.memberships import grant_role as grant_role
from cfp.services.memberships import grant_roles as grant_roles
from cfp.services.memberships import revoke_role as revoke_role
from cfp.services.texts import NewVersion as NewVersion
from cfp.services.texts import rescan_proposals as rescan_proposals
from cfp.services.texts import store_texts as store_texts
from common import codes
from common.queue import enqueue_on_commit

REVIEWER_FIELDS = texts.REVIEWER_FIELDS
INVITE_LIFETIME = dt.timedelta(days=14)
MAX_PENDING_INVITES = 10
# Outbox keys of e-mails whose body holds a secret link (see send_email).
log = logging.getLogger(__name__)

SECRET_MAIL_KEYS = ("invite:", "verify:")
TEXT_KINDS = answers.TEXT_KINDS
CHOICE_KINDS = frozenset({models.QuestionKind.CHOOSE_ONE, models.QuestionKind.CHOOSE_MANY})


class UnableToSubmit(Exception):
    """The proposal cannot be saved; the message is for the person who typed it."""


class UnableToChangeSpeakers(Exception):
    """The speaker line-up cannot change: closed call, not the owner, bad address…"""


class UnableToJoin(Exception):
    """A co-speaker link cannot be used: unknown, used, withdrawn or expired."""


class UnableToConfigure(Exception):
    """A call setting is refused; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnableToReopen(Exception):
    pass


class UnableToMark(Exception):
    """A finding cannot be marked a false positive (it no longer exists, say)."""


class UnableToSignUp(Exception):
    pass


class UnableToVerify(Exception):
    pass


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


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _fmt(when: dt.datetime, zone: str = "UTC") -> str:
    return when.astimezone(_zone(zone)).strftime("%Y-%m-%d %H:%M %Z")


def _closed_message(call: models.Call) -> str:
    return _("The call closed at %(when)s: changes are not saved. Your text is kept below.") % {
        "when": _fmt(call.closes_at, call.timezone)
    }


def is_editable(*, call: models.Call, proposal: models.Proposal | None, now: dt.datetime) -> bool:
    """The text and the speaker line-up change only while the call (or a reopening) is open."""
    if now < call.opens_at:
        return False
    if now < call.closes_at:
        return True
    until = proposal.reopened_until if proposal is not None else None
    return until is not None and now < until


def _editable(*, call: models.Call, proposal: models.Proposal | None, now: dt.datetime) -> None:
    if now < call.opens_at:
        raise UnableToSubmit(
            _("This call opens at %(when)s.") % {"when": _fmt(call.opens_at, call.timezone)}
        )
    if not is_editable(call=call, proposal=proposal, now=now):
        raise UnableToSubmit(_closed_message(call))


_identity = texts.identity
Prescanned = texts.Prescanned
_prescan = texts.prescan
answer_key = answers.answer_key
answer_text = answers.answer_text
rescan_proposal = texts.rescan_proposal


def _identities(links: Iterable[models.ProposalSpeaker]) -> list[leaks.SpeakerIdentity]:
    return [_identity(link.speaker) for link in links]


def scan_fields(
    *, fields: dict[str, str], speakers: Sequence[leaks.SpeakerIdentity]
) -> tuple[dict[str, str], list[dict[str, object]]]:
    """Redacted text per field and the findings as stored (``texts.preview_redaction``)."""
    result = texts.preview_redaction(fields=fields, speakers=speakers)
    return result.redacted_json(), result.findings_json()


def _rescan_answering(*, question_id: int) -> None:
    ids = models.Answer.objects.filter(question_id=question_id).values("proposal_id")
    for proposal in models.Proposal.objects.filter(pk__in=ids):
        rescan_proposal(proposal=proposal)


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


def _profile_or_new(user: AbstractBaseUser) -> models.Speaker:
    """The user's speaker profile; unsaved (``pk`` None) when they have none yet."""
    speaker = models.Speaker.objects.filter(user_id=user.pk).first()
    if speaker is None:
        speaker = models.Speaker(
            user_id=user.pk,
            name=getattr(user, "first_name", "") or user.get_username(),
            email=getattr(user, "email", "") or "",
        )
    return speaker


def _speaker_for_user(user: AbstractBaseUser) -> models.Speaker:
    speaker = _profile_or_new(user)
    if speaker.pk is None:
        speaker.save(force_insert=True)
    return speaker


def queue_email(*, key: str, to: str, subject: str, body: str, now: dt.datetime) -> bool:
    """Record an e-mail under a unique key and send it after commit; False if already queued."""
    if to.lower().endswith(".invalid"):
        # Imported speakers without an address get a reserved .invalid placeholder: never mail it.
        return False
    # Header injection: a newline in a subject built from user text would add headers.
    subject = " ".join(subject.split())[:300]
    row, created = models.EmailOutbox.objects.get_or_create(
        key=key, defaults={"to": to, "subject": subject, "body": body, "created_at": now}
    )
    if created:
        enqueue_on_commit("cfp.send_email", row.pk)
    return created


@transaction.atomic
def send_email(*, outbox_id: int, now: dt.datetime) -> bool:
    """Send one queued e-mail unless it was sent already (retries and duplicates send nothing)."""
    from django.core.mail import send_mail

    row = (
        models.EmailOutbox.objects.select_for_update()
        .filter(pk=outbox_id, sent_at__isnull=True)
        .first()
    )
    if row is None:
        return False
    row.attempts += 1
    row.last_attempt_at = now
    try:
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to])
    except Exception as exc:  # the mail server's refusal, whatever its kind: retried by the sweep
        log.warning("e-mail %s not sent (attempt %s): %s", row.pk, row.attempts, type(exc).__name__)
        row.last_error = f"{type(exc).__name__}: {exc}"[:300]
        row.save(update_fields=["attempts", "last_attempt_at", "last_error"])
        return False
    row.sent_at = now
    row.last_error = ""
    if row.key.startswith(SECRET_MAIL_KEYS):
        # The body carries a one-time link: keep it out of the table once it is sent.
        row.body = _("(Sent. The body held a one-time link and is not kept.)")
        row.save(update_fields=["sent_at", "body", "attempts", "last_attempt_at", "last_error"])
    else:
        row.save(update_fields=["sent_at", "attempts", "last_attempt_at", "last_error"])
    return True


# An unsent e-mail is queued again once it is this old (its first task had time to run), then
# after pauses that double from RETRY_PAUSE; after MAX_ATTEMPTS failures it waits for an operator.
RETRY_AFTER = dt.timedelta(minutes=1)
RETRY_PAUSE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 8
SWEEP_BATCH = 500


def requeue_unsent_email(*, now: dt.datetime) -> int:
    """Queue again the e-mails still unsent whose turn has come; returns how many.

    For what a lost task (a broker that lost its queue, a worker killed before it started), or a
    mail server that refused, left behind. Sending stays exactly-once: ``send_email`` re-checks
    each row under its lock.
    """
    due: list[int] = []
    rows = (
        models.EmailOutbox.objects.filter(
            sent_at__isnull=True, created_at__lte=now - RETRY_AFTER, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("created_at", "pk")
        .values_list("pk", "attempts", "last_attempt_at")
    )
    for pk, attempts, last in rows[: SWEEP_BATCH * 4]:
        if last is None or now - last >= RETRY_PAUSE * 2 ** max(attempts - 1, 0):
            due.append(pk)
            if len(due) >= SWEEP_BATCH:
                break
    for pk in due:
        enqueue_on_commit("cfp.send_email", pk)
    return len(due)


# --- answers to the call's own questions ----------------------------------------------------


def normalise_answer(*, kind: str, choices: Sequence[str], value: Any) -> Any:
    """The JSON value to store for one answer, or None when it is empty.

    Raises ValueError with a message for the person who typed it.
    """
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return None
    if kind in (models.QuestionKind.SHORT_TEXT, models.QuestionKind.LONG_TEXT):
        limit = 300 if kind == models.QuestionKind.SHORT_TEXT else 5000
        if not isinstance(value, str):
            raise ValueError(_("Type a text answer."))
        text = value.strip()
        if "\x00" in text:
            raise ValueError(_("The text contains a NUL character; remove it and try again."))
        if len(text) > limit:
            raise ValueError(_("Keep it under %(n)s characters.") % {"n": limit})
        return text or None
    if kind == models.QuestionKind.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(_("Type a number.")) from exc
        if isinstance(value, bool) or not math.isfinite(number):
            raise ValueError(_("Type a number."))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == models.QuestionKind.URL:
        from django.core.exceptions import ValidationError
        from django.core.validators import URLValidator

        text = str(value).strip()
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError as exc:
            raise ValueError(_("Type a web address starting with https://.")) from exc
        return text
    if kind == models.QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value
        if value in ("yes", "no"):
            return value == "yes"
        raise ValueError(_("Answer yes or no."))
    if kind == models.QuestionKind.CHOOSE_ONE:
        if value not in choices:
            raise ValueError(_("Pick one of the choices."))
        return value
    if kind == models.QuestionKind.CHOOSE_MANY:
        picked = [value] if isinstance(value, str) else list(value)
        if any(v not in choices for v in picked):
            raise ValueError(_("Pick from the choices."))
        return [c for c in choices if c in picked]
    raise ValueError(_("This question cannot be answered."))  # pragma: no cover


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
    questions = {q.pk: q for q in models.Question.objects.filter(call_id=proposal.call_id)}
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


# --- proposals ------------------------------------------------------------------------------


def _texts_to_scan(*, call_id: int, data: ProposalData) -> list[str]:
    """The texts of ``data`` that reviewers will see, as they will be stored.

    Read outside the write transaction, so a question may change before it runs; the
    transaction scans whatever is missing here.
    """
    texts = [getattr(data, name) for name in REVIEWER_FIELDS]
    questions = models.Question.objects.filter(
        call_id=call_id, visibility=models.QuestionVisibility.REVIEWERS, kind__in=TEXT_KINDS
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
        texts.append(answer_text(kind=kind, value=value))
    return texts


def submit_proposal(
    *, call_slug: str, owner: AbstractBaseUser, data: ProposalData, token: str, now: dt.datetime
) -> str:
    """Create a proposal; the same ``token`` twice (a double click) returns the first one.

    The leak scan runs before the transaction: on SQLite an open write transaction blocks
    every other writer, and the scanner's time grows with the text (issue 13).
    """
    prescanned: Prescanned = {}
    call = models.Call.objects.filter(slug=call_slug, archived_at__isnull=True).first()
    if call is not None:
        prescanned = _prescan(
            texts=_texts_to_scan(call_id=call.pk, data=data),
            speakers=[_identity(_profile_or_new(owner))],
        )
    return _submit_proposal(
        call_slug=call_slug, owner=owner, data=data, token=token, now=now, prescanned=prescanned
    )


@transaction.atomic
def _submit_proposal(
    *,
    call_slug: str,
    owner: AbstractBaseUser,
    data: ProposalData,
    token: str,
    now: dt.datetime,
    prescanned: Prescanned,
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
    speaker = _speaker_for_user(owner)
    models.ProposalSpeaker.objects.create(proposal=proposal, speaker=speaker, confirmed_at=now)
    if data.answers is not None:
        _save_answers(proposal=proposal, speaker=speaker, answers=data.answers, now=now)
    texts.store_texts(
        proposals=[proposal],
        versions={proposal.pk: texts.NewVersion(created_at=now, created_by_id=owner.pk)},
        prescanned=prescanned,
    )
    queue_email(
        key=f"submitted:{proposal.code}",
        to=speaker.email,
        subject=_("We received your proposal"),
        body=_(
            "Thank you for submitting to %(call)s.\n\n"
            "Your proposal has the code %(code)s. You can edit it until %(closes)s."
        )
        % {"call": call.name, "code": proposal.code, "closes": _fmt(call.closes_at, call.timezone)},
        now=now,
    )
    return proposal.code


def _proposal_for(
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
        .filter(_usable_by(call_slug=call_slug, code=code, user_id=user_id, owner_only=owner_only))
        .select_related("call")
        .first()
    )
    if proposal is None:
        raise error(_("This proposal does not exist."))
    return proposal


def _usable_by(*, call_slug: str, code: str, user_id: int, owner_only: bool) -> Q:
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
    prescanned: Prescanned = {}
    usable = _usable_by(call_slug=call_slug, code=code, user_id=user_id, owner_only=False)
    proposal = models.Proposal.objects.filter(usable).first()
    if proposal is not None:
        links = proposal.speaker_links.select_related("speaker").order_by("position", "pk")
        stored = proposal.answers.filter(
            question__visibility=models.QuestionVisibility.REVIEWERS,
            question__kind__in=TEXT_KINDS,
        ).select_related("question")
        prescanned = _prescan(
            texts=[
                *_texts_to_scan(call_id=proposal.call_id, data=data),
                *(answer_text(kind=a.question.kind, value=a.value) for a in stored),
            ],
            speakers=_identities(links),
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
    prescanned: Prescanned,
) -> int:
    proposal = _proposal_for(call_slug=call_slug, code=code, user_id=user_id, owner_only=False)
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
            speaker = _speaker_for_user(get_user_model().objects.get(pk=user_id))
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
    return proposal.version


@transaction.atomic
def withdraw_proposal(*, call_slug: str, code: str, user_id: int, now: dt.datetime) -> None:
    proposal = _proposal_for(call_slug=call_slug, code=code, user_id=user_id, owner_only=True)
    if proposal.state == models.ProposalState.WITHDRAWN:
        return
    proposal.state = models.ProposalState.WITHDRAWN
    proposal.updated_at = now
    proposal.save(update_fields=["state", "updated_at"])
    _audit(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action="proposal.withdrawn",
        now=now,
    )


def _audit(
    *,
    call: models.Call,
    action: str,
    actor_id: int | None,
    now: dt.datetime,
    proposal: models.Proposal | None = None,
    data: Mapping[str, object] | None = None,
) -> None:
    models.AuditEvent.objects.create(
        call=call,
        proposal=proposal,
        actor_id=actor_id,
        action=action,
        data=dict(data or {}),
        created_at=now,
    )


@dataclass(frozen=True, slots=True)
class ProfileData:
    name: str
    bio: str = ""
    affiliation: str = ""
    links: tuple[str, ...] = ()
    region: str = ""
    spoken_before: bool | None = None
    english_additional: bool | None = None
    wants_mentor: bool | None = None


@transaction.atomic
def save_speaker_profile(*, user: AbstractBaseUser, data: ProfileData) -> None:
    speaker = _speaker_for_user(user)
    for name in ProfileData.__dataclass_fields__:
        value = getattr(data, name)
        setattr(speaker, name, list(value) if name == "links" else value)
    speaker.save()
    # A changed name or affiliation changes what must be redacted.
    for link in speaker.proposal_links.select_related("proposal"):
        rescan_proposal(proposal=link.proposal)


# --- accounts -----------------------------------------------------------------------------

ACCOUNT_EXISTS = gettext_lazy("An account with this e-mail address exists already. Log in.")
INVALID_LINK = gettext_lazy(
    "This link is not valid. Check that you copied all of it, or sign up again to get a new one."
)
USED_LINK = gettext_lazy(
    "This link has been used already. Log in with the password you chose, or reset it if you "
    "forgot it."
)
EXPIRED_LINK = gettext_lazy("This link has expired. Sign up again to get a new one.")


def _accounts_for(email: str) -> tuple[list[Any], list[Any]]:
    """Every account that ``email`` names (as username or address), and those of them that the
    owner of the address may claim: pending, and registered to exactly that address."""
    accounts = list(
        get_user_model()
        .objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        .order_by("pk")
    )
    claimable = [u for u in accounts if queries.is_pending_account(u) and u.email.lower() == email]
    return accounts, claimable


def _send_verification(*, user: Any, verify_url: str, now: dt.datetime) -> str:
    """E-mail a new confirmation link to ``user``; older links stop working. Returns its token."""
    models.EmailVerification.objects.filter(user=user).delete()
    token = new_token()
    row = models.EmailVerification.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE_SECONDS),
    )
    queue_email(
        key=f"verify:{row.pk}",
        to=user.email,
        subject=_("Confirm your e-mail address"),
        body=_(
            "Open this link to confirm your address and choose your password:\n\n%(url)s\n\n"
            "The link works once. If you did not ask for an account, ignore this e-mail: "
            "nobody can use the account without this link."
        )
        % {"url": verify_url.replace("TOKEN", token)},
        now=now,
    )
    return token


@transaction.atomic
def sign_up(*, email: str, name: str, verify_url: str, now: dt.datetime) -> str:
    """Open (or renew) a pending account for ``email`` and e-mail it a one-time link.

    The account is inactive and has no usable password: whoever opens the link, that is the
    owner of the address, chooses the password (``verify_email``). Signing up again for a
    pending account replaces its name and its link (the older link stops working), so someone
    who signed up with another person's address gains nothing. Returns the link's token, which
    only the e-mail carries (tests read it here).
    """
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    accounts, claimable = _accounts_for(email)
    if accounts != claimable:
        raise UnableToSignUp(ACCOUNT_EXISTS)
    if claimable:
        user = claimable[0]
        user.first_name = name[:150]
        # Accounts opened before the password moved to the link may hold one: drop it.
        user.set_unusable_password()
        user.save(update_fields=["first_name", "password"])
    else:
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(
                    username=email,
                    email=email,
                    password=None,
                    first_name=name[:150],
                    is_active=False,
                )
        except IntegrityError as exc:  # the same address signed up in a parallel request
            raise UnableToSignUp(_("Something went wrong; please try again.")) from exc
    return _send_verification(user=user, verify_url=verify_url, now=now)


@transaction.atomic
def resend_verification(*, email: str, verify_url: str, now: dt.datetime) -> None:
    """A password reset for a pending account: it has no password yet, so send the link that
    sets one. Nothing happens for any other address (the reset page says the same either way).
    """
    for user in _accounts_for(email.strip().lower())[1]:
        _send_verification(user=user, verify_url=verify_url, now=now)


def confirmation_problem(*, link: queries.ConfirmationLink | None, now: dt.datetime) -> str | None:
    """Why a confirmation link cannot be used, in words for the person who opened it."""
    if link is None:
        return str(INVALID_LINK)
    if link.used:
        return str(USED_LINK)
    if link.expires_at <= now:
        return str(EXPIRED_LINK)
    return None


@transaction.atomic
def verify_email(*, token: str, name: str, password: str, now: dt.datetime) -> AbstractBaseUser:
    """Confirm the address behind ``token``: set the chosen name and password, and activate.

    The link works once, and only while its account is still pending.
    """
    row = (
        models.EmailVerification.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    link = None if row is None else queries.confirmation_link_of(row)
    problem = confirmation_problem(link=link, now=now)
    if row is None or problem is not None:
        raise UnableToVerify(problem)
    user: Any = row.user
    user.first_name = name[:150]
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["first_name", "password", "is_active"])
    row.used_at = now
    row.save(update_fields=["used_at"])
    return user  # type: ignore[no-any-return]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


# --- co-speakers ----------------------------------------------------------------------------


def _line_up_open(*, proposal: models.Proposal, now: dt.datetime) -> None:
    if proposal.state == models.ProposalState.WITHDRAWN:
        raise UnableToChangeSpeakers(_("This proposal was withdrawn."))
    if not is_editable(call=proposal.call, proposal=proposal, now=now):
        raise UnableToChangeSpeakers(
            _("The call closed at %(when)s: the speaker line-up can no longer change.")
            % {"when": _fmt(proposal.call.closes_at, proposal.call.timezone)}
        )


@transaction.atomic
def invite_co_speaker(
    *, call_slug: str, code: str, owner_id: int, email: str, join_url: str, now: dt.datetime
) -> None:
    """E-mail a one-time link (``TOKEN`` in ``join_url`` is replaced) to join as a speaker.

    A second invitation to the same address replaces the first, so "send again" works.
    """
    proposal = _proposal_for(
        call_slug=call_slug,
        code=code,
        user_id=owner_id,
        owner_only=True,
        error=UnableToChangeSpeakers,
    )
    _line_up_open(proposal=proposal, now=now)
    email = email.strip().lower()
    links = list(proposal.speaker_links.select_related("speaker"))
    if any(link.speaker.email.lower() == email for link in links):
        raise UnableToChangeSpeakers(
            _("%(email)s is already a speaker on this proposal.") % {"email": email}
        )
    pending = models.CoSpeakerInvite.objects.filter(
        proposal=proposal, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    pending.filter(email__iexact=email).update(revoked_at=now)
    if pending.count() >= MAX_PENDING_INVITES:
        raise UnableToChangeSpeakers(
            _("%(n)s invitations are waiting already; withdraw one first.")
            % {"n": MAX_PENDING_INVITES}
        )
    token = new_token()
    invite = models.CoSpeakerInvite.objects.create(
        proposal=proposal,
        email=email,
        token_hash=token_hash(token),
        invited_by_id=owner_id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    inviter = next(
        (link.speaker.name for link in links if link.speaker.user_id == owner_id), ""
    ) or _("A speaker")
    queue_email(
        key=f"invite:{invite.pk}",
        to=email,
        subject=_("Join a talk proposal to %(call)s as a speaker") % {"call": proposal.call.name},
        body=_(
            "%(inviter)s invites you to speak with them on “%(title)s”, a proposal to "
            "%(call)s.\n\n"
            "Open this link, log in (or sign up), and confirm. The link works once and expires "
            "on %(expires)s:\n\n%(url)s\n\n"
            "If you did not expect this invitation, ignore this e-mail."
        )
        % {
            "inviter": inviter,
            "title": proposal.title,
            "call": proposal.call.name,
            "expires": _fmt(invite.expires_at, proposal.call.timezone),
            "url": join_url.replace("TOKEN", token),
        },
        now=now,
    )
    _audit(
        call=proposal.call,
        proposal=proposal,
        actor_id=owner_id,
        action="speaker.invited",
        data={"invite": invite.pk},
        now=now,
    )


def invite_problem(
    *, state: str, accepted_at: dt.datetime | None, expires_at: dt.datetime, zone: str
) -> str | None:
    """Why an invitation link cannot be used, in words for the person who opened it."""
    if state == queries.InviteState.REVOKED:
        return _("This invitation was withdrawn. Ask the proposal's owner for a new one if needed.")
    if state == queries.InviteState.ACCEPTED and accepted_at is not None:
        return _("This invitation link was used on %(when)s and works only once.") % {
            "when": _fmt(accepted_at, zone)
        }
    if state == queries.InviteState.EXPIRED:
        return _(
            "This invitation expired on %(when)s. Ask the proposal's owner to send a new one."
        ) % {"when": _fmt(expires_at, zone)}
    return None


INVALID_INVITE = gettext_lazy("This invitation link is not valid. Check that you copied all of it.")


def _usable_invite(*, call_slug: str, token: str, now: dt.datetime) -> models.CoSpeakerInvite:
    invite = (
        models.CoSpeakerInvite.objects.select_for_update(of=("self",))
        .filter(
            token_hash=token_hash(token),
            proposal__call__slug=call_slug,
            proposal__call__archived_at__isnull=True,
        )
        .select_related("proposal__call")
        .first()
    )
    if invite is None:
        raise UnableToJoin(str(INVALID_INVITE))
    problem = invite_problem(
        state=queries.invite_state(invite, now),
        accepted_at=invite.accepted_at,
        expires_at=invite.expires_at,
        zone=invite.proposal.call.timezone,
    )
    if problem:
        raise UnableToJoin(problem)
    return invite


@transaction.atomic
def accept_co_speaker_invite(
    *, call_slug: str, token: str, user: AbstractBaseUser, now: dt.datetime
) -> str:
    """Join the proposal as a confirmed speaker; returns its code. The link then stops working.

    The same person opening their used link again is sent to the proposal, not refused.
    """
    already = (
        models.CoSpeakerInvite.objects.filter(
            token_hash=token_hash(token), accepted_by_id=user.pk, proposal__call__slug=call_slug
        )
        .select_related("proposal")
        .first()
    )
    if already is not None:
        return already.proposal.code
    invite = _usable_invite(call_slug=call_slug, token=token, now=now)
    proposal = invite.proposal
    try:
        _line_up_open(proposal=proposal, now=now)
    except UnableToChangeSpeakers as exc:
        raise UnableToJoin(str(exc)) from exc
    speaker = _speaker_for_user(user)
    if proposal.owner_id == user.pk or proposal.speaker_links.filter(speaker=speaker).exists():
        raise UnableToJoin(_("You are already a speaker on this proposal."))
    last = proposal.speaker_links.aggregate(m=Max("position"))["m"]
    models.ProposalSpeaker.objects.create(
        proposal=proposal,
        speaker=speaker,
        position=0 if last is None else last + 1,
        confirmed_at=now,
    )
    invite.accepted_at, invite.accepted_by_id = now, user.pk
    invite.save(update_fields=["accepted_at", "accepted_by"])
    # The scanner now looks for the new speaker's name, address and links too.
    rescan_proposal(proposal=proposal)
    _audit(
        call=proposal.call,
        proposal=proposal,
        actor_id=user.pk,
        action="speaker.joined",
        data={"invite": invite.pk},
        now=now,
    )
    return proposal.code


@transaction.atomic
def remove_co_speaker(
    *, call_slug: str, code: str, owner_id: int, link_id: int, now: dt.datetime
) -> None:
    """Take a co-speaker off the proposal (owner only, while the line-up is open)."""
    proposal = _proposal_for(
        call_slug=call_slug,
        code=code,
        user_id=owner_id,
        owner_only=True,
        error=UnableToChangeSpeakers,
    )
    _line_up_open(proposal=proposal, now=now)
    link = proposal.speaker_links.select_related("speaker").filter(pk=link_id).first()
    if link is None:
        raise UnableToChangeSpeakers(_("This person is not a speaker on this proposal."))
    if link.speaker.user_id == owner_id:
        raise UnableToChangeSpeakers(
            _("You cannot remove yourself; withdraw the proposal instead.")
        )
    models.Answer.objects.filter(proposal=proposal, speaker_id=link.speaker_id).delete()
    link.delete()
    rescan_proposal(proposal=proposal)
    _audit(
        call=proposal.call,
        proposal=proposal,
        actor_id=owner_id,
        action="speaker.removed",
        data={"speaker": link.speaker_id},
        now=now,
    )


@transaction.atomic
def revoke_co_speaker_invite(
    *, call_slug: str, code: str, owner_id: int, invite_id: int, now: dt.datetime
) -> None:
    """Make a pending invitation link stop working (allowed after the deadline too)."""
    proposal = _proposal_for(
        call_slug=call_slug,
        code=code,
        user_id=owner_id,
        owner_only=True,
        error=UnableToChangeSpeakers,
    )
    updated = models.CoSpeakerInvite.objects.filter(
        pk=invite_id, proposal=proposal, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    if not updated:
        raise UnableToChangeSpeakers(_("This invitation is not pending any more."))
    _audit(
        call=proposal.call,
        proposal=proposal,
        actor_id=owner_id,
        action="speaker.invite_withdrawn",
        data={"invite": invite_id},
        now=now,
    )


# --- chairs: reopening and false positives ----------------------------------------------------


def _chair_proposal(*, call_slug: str, code: str, error: type[Exception]) -> models.Proposal:
    proposal = (
        models.Proposal.objects.select_for_update(of=("self",), no_key=True)
        .filter(call__slug=call_slug, code=code, call__archived_at__isnull=True)
        .select_related("call")
        .first()
    )
    if proposal is None:
        raise error(_("This proposal does not exist."))
    return proposal


@transaction.atomic
def reopen_proposal(
    *, call_slug: str, code: str, until: dt.datetime, actor_id: int, now: dt.datetime
) -> None:
    """Let the speakers of one proposal save again, after the deadline, until ``until``."""
    proposal = _chair_proposal(call_slug=call_slug, code=code, error=UnableToReopen)
    call = proposal.call
    if proposal.state == models.ProposalState.WITHDRAWN:
        raise UnableToReopen(_("A withdrawn proposal cannot be reopened."))
    if until <= now:
        raise UnableToReopen(_("Pick a time in the future."))
    if until <= call.closes_at:
        raise UnableToReopen(
            _("The call is open until %(when)s anyway: pick a later time.")
            % {"when": _fmt(call.closes_at, call.timezone)}
        )
    previous = proposal.reopened_until
    proposal.reopened_until = until
    proposal.save(update_fields=["reopened_until"])
    _audit(
        call=call,
        proposal=proposal,
        actor_id=actor_id,
        action="proposal.reopened",
        data={
            "until": until.isoformat(),
            "previous": previous.isoformat() if previous else None,
        },
        now=now,
    )


@transaction.atomic
def mark_false_positive(
    *,
    call_slug: str,
    code: str,
    field: str,
    start: int,
    end: int,
    actor_id: int,
    now: dt.datetime,
) -> None:
    """Record a chair's ruling that a finding is not a leak and show reviewers that span.

    Marking the same span twice changes nothing. The caller checks that the actor chairs the
    call.
    """
    proposal = _chair_proposal(call_slug=call_slug, code=code, error=UnableToMark)
    finding = next(
        (
            f
            for f in proposal.findings or ()
            if f.get("field") == field and f.get("start") == start and f.get("end") == end
        ),
        None,
    )
    if finding is None:
        raise UnableToMark(
            _("This finding is no longer in the text (the speaker may have edited it).")
        )
    if finding.get("ignored"):
        return
    models.FalsePositive.objects.create(
        proposal=proposal,
        field=field,
        start=start,
        end=end,
        text=str(finding.get("text", ""))[:500],
        marked_by_id=actor_id,
        marked_at=now,
    )
    rescan_proposal(proposal=proposal)
    _audit(
        call=proposal.call,
        proposal=proposal,
        actor_id=actor_id,
        action="finding.false_positive",
        data={"field": field, "start": start, "end": end, "kind": finding.get("kind")},
        now=now,
    )


# --- chairs: call configuration ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallSettingsData:
    name: str
    description: str
    timezone: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None
    languages: tuple[str, ...]
    reviews_per_proposal: int
    chairs_blind: bool


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


Problems = list[tuple[str, str]]

MAX_SCALE_STEPS = 11
MAX_CHOICES = 30


def call_settings_problems(data: CallSettingsData) -> Problems:
    """Bad combinations, each with the form field it belongs to."""
    problems: Problems = []
    if data.closes_at <= data.opens_at:
        problems.append(("closes_at", _("The call must close after it opens.")))
    if data.review_deadline_at is not None and data.review_deadline_at < data.closes_at:
        problems.append(
            ("review_deadline_at", _("The review deadline cannot be before the call closes."))
        )
    if data.reviews_per_proposal < 1:
        problems.append(("reviews_per_proposal", _("Each proposal needs at least one review.")))
    if not data.languages:
        problems.append(("languages", _("Choose at least one talk language.")))
    if data.timezone not in zoneinfo.available_timezones() and data.timezone != "UTC":
        problems.append(("timezone", _("Choose a time zone from the list.")))
    return problems


def criterion_problems(data: CriterionData) -> Problems:
    problems: Problems = []
    if data.minimum >= data.maximum:
        problems.append(("maximum", _("The highest score must be above the lowest.")))
    elif data.maximum - data.minimum + 1 > MAX_SCALE_STEPS:
        problems.append(("maximum", _("A scale has at most %(n)s steps.") % {"n": MAX_SCALE_STEPS}))
    if not (data.weight > 0 and math.isfinite(data.weight)):
        problems.append(("weight", _("The weight must be a number above 0.")))
    return problems


def question_problems(data: QuestionData) -> Problems:
    problems: Problems = []
    kinds = {k.value for k in models.QuestionKind}
    if data.kind not in kinds:
        problems.append(("kind", _("Choose a kind of answer.")))
    if data.kind in CHOICE_KINDS:
        if len(set(data.choices)) < 2:
            problems.append(("choices", _("Give at least two different choices, one a line.")))
        elif len(set(data.choices)) != len(data.choices):
            problems.append(("choices", _("Each choice may appear only once.")))
        elif len(data.choices) > MAX_CHOICES:
            problems.append(("choices", _("At most %(n)s choices.") % {"n": MAX_CHOICES}))
    elif data.choices:
        problems.append(("choices", _("Only “choose” questions take a list of choices.")))
    return problems


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
    changes = _apply(
        call,
        {
            "name": data.name,
            "description": data.description,
            "timezone": data.timezone,
            "opens_at": data.opens_at,
            "closes_at": data.closes_at,
            "review_deadline_at": data.review_deadline_at,
            "languages": data.languages,
            "reviews_per_proposal": data.reviews_per_proposal,
            "chairs_blind": data.chairs_blind,
        },
    )
    if not changes:
        return ()
    call.save(update_fields=list(changes))
    _audit(call=call, action="call.changed", actor_id=actor_id, data={"changes": changes}, now=now)
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
    _audit(
        call=call,
        action=f"{model._meta.model_name}.{'changed' if row_id else 'added'}",
        actor_id=actor_id,
        data={"id": row.pk, "changes": changes},
        now=now,
    )
    return int(row.pk)


def _delete_row(
    *, model: Any, call: models.Call, row_id: int, actor_id: int, now: dt.datetime
) -> Any:
    row = _row(model, call=call, row_id=row_id)
    snapshot = {
        f.name: _jsonable(getattr(row, f.name))
        for f in model._meta.concrete_fields
        if f.name not in ("id", "call")
    }
    row.delete()
    _audit(
        call=call,
        action=f"{model._meta.model_name}.deleted",
        actor_id=actor_id,
        data={"id": row_id, "row": snapshot},
        now=now,
    )
    return row


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
        values={
            "slug": data.slug,
            "name": data.name,
            "duration_minutes": data.duration_minutes,
            "slots": data.slots,
        },
        actor_id=actor_id,
        now=now,
    )


@transaction.atomic
def delete_format(*, call_slug: str, format_id: int, actor_id: int, now: dt.datetime) -> None:
    call = _locked_call(call_slug)
    used = models.Proposal.objects.filter(call=call, format_id=format_id).count()
    if used:
        raise UnableToConfigure(
            _("%(n)s proposals use this format; it cannot be deleted.") % {"n": used}
        )
    _delete_row(model=models.Format, call=call, row_id=format_id, actor_id=actor_id, now=now)


@transaction.atomic
def save_track(
    *, call_slug: str, track_id: int | None, data: TrackData, actor_id: int, now: dt.datetime
) -> int:
    return _save_row(
        model=models.Track,
        noun=_("track"),
        call=_locked_call(call_slug),
        row_id=track_id,
        values={"slug": data.slug, "name": data.name},
        actor_id=actor_id,
        now=now,
    )


@transaction.atomic
def delete_track(*, call_slug: str, track_id: int, actor_id: int, now: dt.datetime) -> None:
    """Delete a track; proposals in it keep no track (the foreign key is set to empty)."""
    call = _locked_call(call_slug)
    _delete_row(model=models.Track, call=call, row_id=track_id, actor_id=actor_id, now=now)


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
        values={
            "slug": data.slug,
            "name": data.name,
            "guidance": data.guidance,
            "minimum": data.minimum,
            "maximum": data.maximum,
            "weight": data.weight,
            "position": data.position,
        },
        actor_id=actor_id,
        now=now,
    )


@transaction.atomic
def delete_criterion(*, call_slug: str, criterion_id: int, actor_id: int, now: dt.datetime) -> None:
    call = _locked_call(call_slug)
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
        values={
            "label": data.label,
            "help_text": data.help_text,
            "kind": data.kind,
            "choices": list(data.choices),
            "target": data.target,
            "required": data.required,
            "visibility": data.visibility,
            "position": data.position,
        },
        actor_id=actor_id,
        now=now,
    )
    if rescan:
        _rescan_answering(question_id=pk)
    return pk


@transaction.atomic
def delete_question(*, call_slug: str, question_id: int, actor_id: int, now: dt.datetime) -> None:
    """Delete a question and its answers; reviewers stop seeing them."""
    call = _locked_call(call_slug)
    affected = list(
        models.Proposal.objects.filter(answers__question_id=question_id, call=call).distinct()
    )
    _delete_row(model=models.Question, call=call, row_id=question_id, actor_id=actor_id, now=now)
    for proposal in affected:
        rescan_proposal(proposal=proposal)
