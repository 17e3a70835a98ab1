"""The write side of calls and proposals: one keyword-only function per use case."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cfp import models
from cfp.domain import leaks
from common import codes
from common.queue import enqueue_on_commit

REVIEWER_FIELDS = ("title", "abstract", "description", "notes")


class UnableToSubmit(Exception):
    """The proposal cannot be saved; the message is for the person who typed it."""


class UnableToSignUp(Exception):
    pass


class UnableToVerify(Exception):
    pass


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


def _fmt(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M %Z")


def _editable(*, call: models.Call, proposal: models.Proposal | None, now: dt.datetime) -> None:
    if now < call.opens_at:
        raise UnableToSubmit(_("This call opens at %(when)s.") % {"when": _fmt(call.opens_at)})
    reopened = proposal is not None and proposal.reopened_until and now < proposal.reopened_until
    if now >= call.closes_at and not reopened:
        raise UnableToSubmit(
            _("The call closed at %(when)s: changes are not saved. Your text is kept below.")
            % {"when": _fmt(call.closes_at)}
        )


def identities_for(proposal: models.Proposal) -> list[leaks.SpeakerIdentity]:
    return [
        leaks.SpeakerIdentity(
            name=link.speaker.name,
            email=link.speaker.email,
            affiliation=link.speaker.affiliation,
            links=tuple(link.speaker.links or ()),
        )
        for link in proposal.speaker_links.select_related("speaker")
    ]


def scan_fields(
    *,
    fields: dict[str, str],
    speakers: Sequence[leaks.SpeakerIdentity],
    ignored: dict[str, set[tuple[int, int]]] | None = None,
) -> tuple[dict[str, str], list[dict[str, object]]]:
    """Redacted text per field and the findings, as stored on the proposal."""
    redacted: dict[str, str] = {}
    findings: list[dict[str, object]] = []
    for name, text in fields.items():
        found = leaks.scan(text=text, speakers=speakers)
        skip = (ignored or {}).get(name, set())
        kept = [f for f in found if (f.start, f.end) not in skip]
        redacted[name] = leaks.redact(text=text, findings=kept)
        findings.extend(
            {
                "field": name,
                "kind": str(f.kind),
                "start": f.start,
                "end": f.end,
                "text": f.text,
                "ignored": (f.start, f.end) in skip,
            }
            for f in found
        )
    return redacted, findings


def rescan_proposal(*, proposal: models.Proposal) -> None:
    ignored: dict[str, set[tuple[int, int]]] = {}
    for fp in proposal.false_positives.all():
        ignored.setdefault(fp.field, set()).add((fp.start, fp.end))
    proposal.redacted, proposal.findings = scan_fields(
        fields={f: getattr(proposal, f) for f in REVIEWER_FIELDS},
        speakers=identities_for(proposal),
        ignored=ignored,
    )
    proposal.save(update_fields=["redacted", "findings"])


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


def _speaker_for_user(user: AbstractBaseUser) -> models.Speaker:
    speaker = models.Speaker.objects.filter(user_id=user.pk).first()
    if speaker is None:
        speaker = models.Speaker.objects.create(
            user_id=user.pk,
            name=getattr(user, "first_name", "") or user.get_username(),
            email=getattr(user, "email", "") or "",
        )
    return speaker


def _save_version(*, proposal: models.Proposal, actor_id: int | None, now: dt.datetime) -> None:
    models.ProposalVersion.objects.create(
        proposal=proposal,
        number=proposal.version,
        title=proposal.title,
        abstract=proposal.abstract,
        description=proposal.description,
        notes=proposal.notes,
        created_at=now,
        created_by_id=actor_id,
    )


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
    send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to])
    row.sent_at = now
    row.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def submit_proposal(
    *, call_slug: str, owner: AbstractBaseUser, data: ProposalData, token: str, now: dt.datetime
) -> str:
    """Create a proposal; the same ``token`` twice (a double click) returns the first one."""
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
    _save_version(proposal=proposal, actor_id=owner.pk, now=now)
    rescan_proposal(proposal=proposal)
    queue_email(
        key=f"submitted:{proposal.code}",
        to=speaker.email,
        subject=_("We received your proposal"),
        body=_(
            "Thank you for submitting to %(call)s.\n\n"
            "Your proposal has the code %(code)s. You can edit it until %(closes)s."
        )
        % {"call": call.name, "code": proposal.code, "closes": _fmt(call.closes_at)},
        now=now,
    )
    return proposal.code


def _owned(*, call_slug: str, code: str, user_id: int) -> models.Proposal:
    proposal = (
        models.Proposal.objects.select_for_update()
        .filter(call__slug=call_slug, code=code, owner_id=user_id)
        .select_related("call")
        .first()
    )
    if proposal is None:
        raise UnableToSubmit(_("This proposal does not exist."))
    return proposal


@transaction.atomic
def update_proposal(
    *, call_slug: str, code: str, user_id: int, data: ProposalData, now: dt.datetime
) -> int:
    proposal = _owned(call_slug=call_slug, code=code, user_id=user_id)
    if proposal.state == models.ProposalState.WITHDRAWN:
        raise UnableToSubmit(_("This proposal was withdrawn."))
    _editable(call=proposal.call, proposal=proposal, now=now)
    fmt, track = _resolve_choices(call=proposal.call, data=data)
    changed = any(getattr(proposal, name) != getattr(data, name) for name in REVIEWER_FIELDS) or (
        fmt.pk,
        track.pk if track else None,
        data.level,
        data.language,
    ) != (
        proposal.format_id,
        proposal.track_id,
        proposal.level,
        proposal.language,
    )
    if not changed:
        return proposal.version
    for name in REVIEWER_FIELDS:
        setattr(proposal, name, getattr(data, name))
    proposal.format, proposal.track = fmt, track
    proposal.level, proposal.language = data.level, data.language
    proposal.version += 1
    proposal.updated_at = now
    proposal.save()
    _save_version(proposal=proposal, actor_id=user_id, now=now)
    rescan_proposal(proposal=proposal)
    return proposal.version


@transaction.atomic
def withdraw_proposal(*, call_slug: str, code: str, user_id: int, now: dt.datetime) -> None:
    proposal = _owned(call_slug=call_slug, code=code, user_id=user_id)
    if proposal.state == models.ProposalState.WITHDRAWN:
        return
    proposal.state = models.ProposalState.WITHDRAWN
    proposal.updated_at = now
    proposal.save(update_fields=["state", "updated_at"])
    models.AuditEvent.objects.create(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action="proposal.withdrawn",
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

_VERIFY_SALT = "talkreview.verify-email"


def verification_token(*, user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=_VERIFY_SALT)


@transaction.atomic
def sign_up(
    *, email: str, name: str, password: str, verify_url: str, now: dt.datetime
) -> AbstractBaseUser:
    """Create an inactive account and e-mail a verification link; it activates the account."""
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    if user_model.objects.filter(username__iexact=email).exists():
        raise UnableToSignUp(_("An account with this e-mail address exists already. Log in."))
    user = user_model.objects.create_user(
        username=email, email=email, password=password, first_name=name[:150], is_active=False
    )
    token = verification_token(user_id=user.pk, email=email)
    queue_email(
        key=f"verify:{user.pk}",
        to=email,
        subject=_("Confirm your e-mail address"),
        body=_("Open this link to confirm your address and start using your account:\n\n%(url)s")
        % {"url": verify_url.replace("TOKEN", token)},
        now=now,
    )
    return user


@transaction.atomic
def verify_email(*, token: str) -> AbstractBaseUser:
    try:
        data = signing.loads(
            token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired as exc:
        raise UnableToVerify(_("This link has expired. Sign up again to get a new one.")) from exc
    except signing.BadSignature as exc:
        raise UnableToVerify(_("This link is not valid.")) from exc
    user = get_user_model().objects.filter(pk=data["u"], email=data["e"]).first()
    if user is None:
        raise UnableToVerify(_("This link is not valid."))
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)
