"""Inviting reviewers to a call: the write side.

A chair invites by e-mail. The message carries a random token; only its SHA-256 is stored, so a
leaked database does not hand out working links. A link works once, until it expires, and grants
the reviewer role in the one call it was made for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import outbox
from cfp import queries as cfp_queries
from cfp import services as cfp_services
from cfp.domain import tokens
from common.queue import enqueue_on_commit
from reviews import models

MAX_EMAILS = 50
MAX_LOAD = 500


class UnableToInvite(Exception):
    """The invitations cannot be sent; the message is for the chair."""


class UnableToAccept(Exception):
    """The link does not grant the role; ``reason`` is "unknown", "expired" or "used"."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InviteOutcome:
    invited: tuple[str, ...]
    already_reviewers: tuple[str, ...]
    # Addresses that are not e-mail addresses: reported one by one, the rest still invited.
    refused: tuple[str, ...] = ()


def is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def is_invited_person(*, invited_email: str, person_email: str) -> bool:
    """Whether the signed-in person is the one invited (their confirmed address is the one the
    link was sent to). Sign-up confirms the address before an account can log in."""
    return bool(person_email) and invited_email.strip().lower() == person_email.strip().lower()


def _fmt(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M %Z")


@transaction.atomic
def invite_reviewers(
    *,
    call_id: int,
    emails: Sequence[str],
    invited_by_id: int | None,
    accept_url: str,
    now: dt.datetime,
    may_forward: bool = False,
    role: str = cfp_models.Role.REVIEWER,
) -> InviteOutcome:
    """Send each address a single-use link; a new link replaces one still waiting.

    ``role`` is what the link grants: reviewer, or mentor (issue 25), who helps the speakers
    who asked with their drafts and never reviews those proposals.

    ``accept_url`` is the absolute address of the accept page with ``TOKEN`` where the token goes.
    People who are reviewers of the call already are skipped and reported. Unless
    ``may_forward``, only someone signed in with the invited address can accept the link.
    """
    if "TOKEN" not in accept_url:
        raise ValueError("accept_url needs a TOKEN placeholder")  # pragma: no cover
    given = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    refused = tuple(e for e in given if not is_email(e))
    wanted = [e for e in given if e not in refused]
    if refused and not wanted:
        raise UnableToInvite(
            _("These are not e-mail addresses: %(bad)s") % {"bad": ", ".join(refused[:10])}
        )
    if not wanted:
        raise UnableToInvite(_("Give at least one e-mail address."))
    if len(wanted) > MAX_EMAILS:
        raise UnableToInvite(_("Invite at most %(n)s people at a time.") % {"n": MAX_EMAILS})
    if role not in (cfp_models.Role.REVIEWER, cfp_models.Role.MENTOR):
        raise UnableToInvite(_("Invite reviewers or mentors."))
    call = cfp_models.Call.objects.get(pk=call_id)
    reviewers = {
        e.lower()
        for e in get_user_model()
        .objects.filter(pk__in=cfp_queries.member_user_ids(call_id=call_id, role=role))
        .values_list("email", flat=True)
    }
    invited: list[str] = []
    skipped: list[str] = []
    expires_at = now + dt.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    for email in wanted:
        if email in reviewers:
            skipped.append(email)
            continue
        # The newest link is the one that works: an earlier one may have gone astray.
        models.Invitation.objects.filter(
            call_id=call_id,
            email__iexact=email,
            role=role,
            accepted_at__isnull=True,
            expires_at__gt=now,
        ).update(expires_at=now)
        token = tokens.new_token()
        invitation = models.Invitation.objects.create(
            call_id=call_id,
            email=email,
            token_hash=tokens.token_hash(token),
            invited_by_id=invited_by_id,
            created_at=now,
            expires_at=expires_at,
            may_forward=may_forward,
            role=role,
        )
        outbox.queue_email(
            # "invite:" marks a body with a secret link: the outbox drops it once sent.
            key=f"invite:reviewer:{invitation.pk}",
            to=email,
            subject=(
                _("You are invited to mentor speakers for %(call)s")
                if role == cfp_models.Role.MENTOR
                else _("You are invited to review for %(call)s")
            )
            % {"call": call.name},
            body=(
                _(
                    "The committee of %(call)s invites you to mentor speakers who asked for "
                    "help with their drafts before the deadline. You will see only the drafts "
                    "of the speakers matched to you, and never review them.\n\n"
                    "Open this link to accept (log in or create an account first if you need to):\n"
                    "%(url)s\n\n"
                    "The link works once and expires at %(expires)s. If you did not expect this "
                    "message, ignore it."
                )
                if role == cfp_models.Role.MENTOR
                else _(
                    "The committee of %(call)s invites you to review talk proposals.\n\n"
                    "Proposals are anonymised: you will not see who wrote them.\n\n"
                    "Open this link to accept (log in or create an account first if you need to):\n"
                    "%(url)s\n\n"
                    "The link works once and expires at %(expires)s. If you did not expect this "
                    "message, ignore it."
                )
            )
            % {
                "call": call.name,
                "url": accept_url.replace("TOKEN", token),
                "expires": _fmt(expires_at),
            },
            now=now,
        )
        invited.append(email)
    if invited:
        cfp_models.AuditEvent.objects.create(
            call_id=call_id,
            actor_id=invited_by_id,
            action="reviewers.invited",
            data={
                "count": len(invited),
                "may_forward": may_forward,
                "refused": len(refused),
                "role": role,
            },
            created_at=now,
        )
    return InviteOutcome(invited=tuple(invited), already_reviewers=tuple(skipped), refused=refused)


def _pending(*, call_id: int, invitation_id: int) -> models.Invitation:
    invitation = (
        models.Invitation.objects.select_for_update()
        .filter(call_id=call_id, pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        raise UnableToInvite(_("This invitation was accepted or withdrawn meanwhile."))
    return invitation


@transaction.atomic
def resend_invitation(
    *, call_id: int, invitation_id: int, actor_id: int, accept_url: str, now: dt.datetime
) -> InviteOutcome:
    """Send a pending (or expired) invitation again: a new link, the old one stops working."""
    invitation = _pending(call_id=call_id, invitation_id=invitation_id)
    return invite_reviewers(
        call_id=call_id,
        emails=[invitation.email],
        invited_by_id=actor_id,
        accept_url=accept_url,
        now=now,
        may_forward=invitation.may_forward,
        role=invitation.role,
    )


@transaction.atomic
def revoke_invitation(*, call_id: int, invitation_id: int, actor_id: int, now: dt.datetime) -> str:
    """Withdraw a pending invitation: its link stops working and an e-mail not yet sent is
    not sent. Returns the address, for the chair's message."""
    invitation = _pending(call_id=call_id, invitation_id=invitation_id)
    email = invitation.email
    # Older links to the same address go too: "revoke" means this person is not invited.
    doomed = models.Invitation.objects.filter(
        call_id=call_id, email__iexact=email, accepted_at__isnull=True
    )
    keys = [f"invite:reviewer:{pk}" for pk in doomed.values_list("pk", flat=True)]
    cfp_models.EmailOutbox.objects.filter(key__in=keys, sent_at__isnull=True).delete()
    revoked = doomed.delete()[0]
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        actor_id=actor_id,
        action="reviewers.invitation_revoked",
        data={"invitation": invitation_id, "links": revoked},
        created_at=now,
    )
    return email


@transaction.atomic
def accept_invitation(
    *,
    slug: str,
    token: str,
    user_id: int,
    languages: Sequence[str],
    tracks: Sequence[str],
    max_load: int | None,
    now: dt.datetime,
) -> str:
    """Use the link once: give the person the link's role in its call (reviewer, or mentor:
    issue 25) and keep their preferences; returns the role.

    The row lock makes two clicks (or two people with the same link) race safely: the second
    finds the invitation used.
    """
    invitation = (
        models.Invitation.objects.select_for_update()
        .filter(
            call__slug=slug,
            call__archived_at__isnull=True,
            token_hash=tokens.token_hash(token),
        )
        .select_related("call")
        .first()
    )
    if invitation is None:
        raise UnableToAccept(_("This invitation link is not valid."), reason="unknown")
    if invitation.accepted_at is not None:
        raise UnableToAccept(
            _("This invitation link was used already. Ask the chairs for a new one."),
            reason="used",
        )
    if invitation.expires_at <= now:
        raise UnableToAccept(
            _("This invitation link has expired. Ask the chairs for a new one."),
            reason="expired",
        )
    if not invitation.may_forward and not is_invited_person(
        invited_email=invitation.email,
        person_email=get_user_model()
        .objects.filter(pk=user_id)
        .values_list("email", flat=True)
        .first()
        or "",
    ):
        raise UnableToAccept(
            _("This invitation was sent to another address."), reason="other_person"
        )
    call = invitation.call
    offered_tracks = set(cfp_models.Track.objects.filter(call=call).values_list("slug", flat=True))
    if not set(languages) <= set(call.languages or ()) or not set(tracks) <= offered_tracks:
        raise UnableToAccept(_("Choose among this call's languages and tracks."), reason="input")
    if max_load is not None and not 1 <= max_load <= MAX_LOAD:
        raise UnableToAccept(
            _("The most proposals you review must be between 1 and %(n)s.") % {"n": MAX_LOAD},
            reason="input",
        )
    invitation.accepted_at = now
    invitation.accepted_by_id = user_id
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    cfp_services.grant_role(call_id=call.pk, user_id=user_id, role=invitation.role)
    models.ReviewerSettings.objects.update_or_create(
        call=call,
        user_id=user_id,
        defaults={"languages": list(languages), "tracks": list(tracks), "max_load": max_load},
    )
    cfp_models.AuditEvent.objects.create(
        call=call,
        actor_id=user_id,
        action="reviewers.joined",
        data={"role": invitation.role},
        created_at=now,
    )
    if invitation.role != cfp_models.Role.REVIEWER:
        return invitation.role  # a mentor's languages and tracks serve the mentor matching
    # Once assignment has begun, the newcomer gets a fair share of unstarted work (issue 23).
    enqueue_on_commit("reviews.reviewer_joined", call.pk, user_id)
    return invitation.role
