"""Co-speakers: the owner invites by e-mail, the invited person joins with the one-time link, the
owner removes a speaker or withdraws a pending invitation.

The line-up changes only while the proposal may be edited; every change redacts the proposal
again, since the scanner looks for every speaker's name, address and links.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfp import models, outbox
from cfp.domain import editing, tokens
from cfp.queries import cospeakers as invite_queries
from cfp.services import audit, proposals, speakers, texts

INVITE_LIFETIME = dt.timedelta(days=14)
MAX_PENDING_INVITES = 10


class UnableToChangeSpeakers(Exception):
    """The speaker line-up cannot change: closed call, not the owner, bad address…"""


class UnableToJoin(Exception):
    """A co-speaker link cannot be used: unknown, used, withdrawn or expired."""


def _owned(*, call_slug: str, code: str, owner_id: int) -> models.Proposal:
    """The proposal, locked, if this person owns it: only the owner changes the line-up."""
    return proposals.locked_for_speaker(
        call_slug=call_slug,
        code=code,
        user_id=owner_id,
        owner_only=True,
        error=UnableToChangeSpeakers,
    )


def _line_up_open(*, proposal: models.Proposal, now: dt.datetime) -> None:
    if proposal.state == models.ProposalState.WITHDRAWN:
        raise UnableToChangeSpeakers(_("This proposal was withdrawn."))
    if not proposals.is_editable(call=proposal.call, proposal=proposal, now=now):
        raise UnableToChangeSpeakers(
            _("The call closed at %(when)s: the speaker line-up can no longer change.")
            % {
                "when": editing.local_time(
                    when=proposal.call.closes_at, zone_name=proposal.call.timezone
                )
            }
        )


@transaction.atomic
def invite_co_speaker(
    *, call_slug: str, code: str, owner_id: int, email: str, join_url: str, now: dt.datetime
) -> None:
    """E-mail a one-time link (``TOKEN`` in ``join_url`` is replaced) to join as a speaker.

    A second invitation to the same address replaces the first, so "send again" works.
    """
    proposal = _owned(call_slug=call_slug, code=code, owner_id=owner_id)
    _line_up_open(proposal=proposal, now=now)
    email = email.strip().lower()
    links = list(proposal.speaker_links.select_related("speaker").order_by("position", "pk"))
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
    token = tokens.new_token()
    invite = models.CoSpeakerInvite.objects.create(
        proposal=proposal,
        email=email,
        token_hash=tokens.token_hash(token),
        invited_by_id=owner_id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    inviter = next(
        (link.speaker.name for link in links if link.speaker.user_id == owner_id), ""
    ) or _("A speaker")
    outbox.queue_email(
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
            "expires": editing.local_time(when=invite.expires_at, zone_name=proposal.call.timezone),
            "url": join_url.replace("TOKEN", token),
        },
        now=now,
    )
    audit.record(
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
    if state == invite_queries.InviteState.REVOKED:
        return _("This invitation was withdrawn. Ask the proposal's owner for a new one if needed.")
    if state == invite_queries.InviteState.ACCEPTED and accepted_at is not None:
        return _("This invitation link was used on %(when)s and works only once.") % {
            "when": editing.local_time(when=accepted_at, zone_name=zone)
        }
    if state == invite_queries.InviteState.EXPIRED:
        return _(
            "This invitation expired on %(when)s. Ask the proposal's owner to send a new one."
        ) % {"when": editing.local_time(when=expires_at, zone_name=zone)}
    return None


INVALID_INVITE = gettext_lazy("This invitation link is not valid. Check that you copied all of it.")


def _usable_invite(*, call_slug: str, token: str, now: dt.datetime) -> models.CoSpeakerInvite:
    invite = (
        models.CoSpeakerInvite.objects.select_for_update(of=("self",))
        .filter(
            token_hash=tokens.token_hash(token),
            proposal__call__slug=call_slug,
            proposal__call__archived_at__isnull=True,
        )
        .select_related("proposal__call")
        .first()
    )
    if invite is None:
        raise UnableToJoin(str(INVALID_INVITE))
    problem = invite_problem(
        state=invite_queries.invite_state(invite, now),
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
            token_hash=tokens.token_hash(token),
            accepted_by_id=user.pk,
            proposal__call__slug=call_slug,
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
    speaker = speakers.speaker_for_user(user)
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
    texts.rescan_proposal(proposal=proposal)
    audit.record(
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
    proposal = _owned(call_slug=call_slug, code=code, owner_id=owner_id)
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
    texts.rescan_proposal(proposal=proposal)
    audit.record(
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
    proposal = _owned(call_slug=call_slug, code=code, owner_id=owner_id)
    updated = models.CoSpeakerInvite.objects.filter(
        pk=invite_id, proposal=proposal, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    if not updated:
        raise UnableToChangeSpeakers(_("This invitation is not pending any more."))
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=owner_id,
        action="speaker.invite_withdrawn",
        data={"invite": invite_id},
        now=now,
    )
