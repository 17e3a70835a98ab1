"""Mentoring (issue 25), the write side: asking for a mentor, matching one (by hand here; the
matching run in ``reviews.services.mentor_matching`` ends in :func:`match_mentor` too), the
thread, suggestions on the abstract, asking for another mentor, reporting one, and the call's
two mentoring settings. Every step is audited; e-mails go through the outbox.

An accepted suggestion is saved through ``proposals.update_proposal``, the proposal's single
write path: a new version, the leak scan and the redaction, like any edit by the speaker.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cfp import models, outbox
from cfp import services as cfp_services
from cfp.domain import editing
from cfp.queries import membership
from cfp.queries import mentoring as queries
from cfp.services import audit, proposals

MAX_POST = 5000
MAX_REPORT = 2000


class UnableToMentor(Exception):
    """A mentoring step cannot be taken; the message is for the person who asked."""


def _speaker_proposal(*, call_slug: str, code: str, user_id: int) -> models.Proposal:
    return proposals.locked_for_speaker(
        call_slug=call_slug, code=code, user_id=user_id, owner_only=False, error=UnableToMentor
    )


def _open_for_mentoring(proposal: models.Proposal, *, now: dt.datetime) -> None:
    if proposal.state == models.ProposalState.WITHDRAWN:
        raise UnableToMentor(_("This proposal was withdrawn."))
    if now >= proposal.call.closes_at:
        raise UnableToMentor(
            _("The call closed at %(when)s: mentoring happens before the deadline.")
            % {
                "when": editing.local_time(
                    when=proposal.call.closes_at, zone_name=proposal.call.timezone
                )
            }
        )


def _display_name(user_id: int) -> str:
    row = get_user_model().objects.filter(pk=user_id).values_list("first_name", "username").first()
    return (row[0] or row[1]) if row else ""


def _email(user_id: int) -> str:
    return get_user_model().objects.filter(pk=user_id).values_list("email", flat=True).first() or ""


@transaction.atomic
def ask_for_mentor(*, call_slug: str, code: str, user_id: int, now: dt.datetime) -> None:
    """A speaker asks for a mentor for this proposal (again, if they had closed the request)."""
    proposal = _speaker_proposal(call_slug=call_slug, code=code, user_id=user_id)
    _open_for_mentoring(proposal, now=now)
    request, created = models.MentoringRequest.objects.get_or_create(
        proposal=proposal, defaults={"asked_by_id": user_id, "asked_at": now}
    )
    if not created and request.closed_at is None:
        return
    if not created:
        request.closed_at, request.asked_at = None, now
        request.save(update_fields=["closed_at", "asked_at"])
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action=queries.REQUESTED_ACTION,
        data={},
        now=now,
    )


def _is_mentor(*, call_id: int, user_id: int) -> bool:
    return membership.members(role=models.Role.MENTOR, call_id=call_id, user_id=user_id).exists()


@transaction.atomic
def match_mentor(
    *,
    call_id: int,
    code: str,
    mentor_id: int,
    chair_id: int | None,
    now: dt.datetime,
    site_url: str = "",
) -> None:
    """Pair ``mentor_id`` with the proposal; ``chair_id`` None means the matching run did.

    Refused when the proposal has no open request or already has a mentor, when the person is
    not a mentor of the call, speaks on the proposal, or mentored it before (the speaker asked
    for someone else). Both sides get an e-mail saying where to reach each other in the tool.
    """
    proposal = (
        models.Proposal.objects.select_for_update(of=("self",), no_key=True)
        .filter(call_id=call_id, code=code)
        .select_related("call")
        .first()
    )
    if proposal is None:
        raise UnableToMentor(_("This proposal does not exist."))
    request = models.MentoringRequest.objects.filter(proposal=proposal).first()
    if request is None or request.closed_at is not None:
        raise UnableToMentor(_("Nobody asked for a mentor for %(code)s.") % {"code": code})
    _open_for_mentoring(proposal, now=now)
    if not _is_mentor(call_id=call_id, user_id=mentor_id):
        raise UnableToMentor(_("Choose one of the call's mentors."))
    if models.ProposalSpeaker.objects.filter(
        proposal=proposal, speaker__user_id=mentor_id
    ).exists():
        raise UnableToMentor(_("A speaker cannot mentor their own proposal."))
    if models.MentorMatch.objects.filter(proposal=proposal, ended_at__isnull=True).exists():
        raise UnableToMentor(_("%(code)s already has a mentor.") % {"code": code})
    if models.MentorMatch.objects.filter(proposal=proposal, mentor_id=mentor_id).exists():
        raise UnableToMentor(
            _("The speakers of %(code)s asked for another mentor than this one.") % {"code": code}
        )
    try:
        with transaction.atomic():
            models.MentorMatch.objects.create(
                proposal=proposal, mentor_id=mentor_id, matched_by_id=chair_id, matched_at=now
            )
    except IntegrityError as exc:  # a concurrent match won
        raise UnableToMentor(_("%(code)s already has a mentor.") % {"code": code}) from exc
    mentor_name = _display_name(mentor_id)
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=chair_id,
        action=queries.MATCHED_ACTION,
        data={"mentor_id": mentor_id, "by_hand": chair_id is not None},
        now=now,
    )
    _mail_match(
        proposal=proposal, mentor_id=mentor_id, mentor_name=mentor_name, site=site_url, now=now
    )


def _mail_match(
    *, proposal: models.Proposal, mentor_id: int, mentor_name: str, site: str, now: dt.datetime
) -> None:
    """Tell both sides; the mails say where to talk (inside the tool), never an address."""
    call = proposal.call
    closes = editing.local_time(when=call.closes_at, zone_name=call.timezone)
    speaker_page = f"{site}/calls/{call.slug}/mine/{proposal.code}/mentoring/"
    mentor_page = f"{site}/mentor/{call.slug}/{proposal.code}/"
    links = proposal.speaker_links.select_related("speaker").order_by("position", "pk")
    speakers = [(link.speaker.name, link.speaker.email) for link in links]
    for i, (_name, email) in enumerate(speakers):
        outbox.queue_email(
            key=f"mentoring:{proposal.code}:{mentor_id}:speaker:{i}",
            to=email,
            subject=_("%(name)s will mentor your proposal to %(call)s")
            % {"name": mentor_name, "call": call.name},
            body=_(
                "%(name)s is your mentor for “%(title)s”. Write to each other in the mentoring "
                "thread of your proposal, where your mentor can also suggest changes you may "
                "accept or ignore:\n\n%(url)s\n\nNothing of the thread is shown to the "
                "reviewers. Submit before %(closes)s."
            )
            % {"name": mentor_name, "title": proposal.title, "url": speaker_page, "closes": closes},
            now=now,
        )
    names = ", ".join(name for name, _email in speakers)
    outbox.queue_email(
        key=f"mentoring:{proposal.code}:{mentor_id}:mentor",
        to=_email(mentor_id),
        subject=_("You are mentoring a proposal to %(call)s") % {"call": call.name},
        body=_(
            "You are now the mentor of %(names)s for “%(title)s”. Their draft, the scanner's "
            "warnings and your thread with them are here:\n\n%(url)s\n\nThe call closes at "
            "%(closes)s. You will not be asked to review this proposal."
        )
        % {"names": names, "title": proposal.title, "url": mentor_page, "closes": closes},
        now=now,
    )


def _current_match(proposal: models.Proposal) -> models.MentorMatch | None:
    return (
        models.MentorMatch.objects.select_for_update()
        .filter(proposal=proposal, ended_at__isnull=True)
        .first()
    )


@transaction.atomic
def ask_for_another_mentor(*, call_slug: str, code: str, user_id: int, now: dt.datetime) -> None:
    """A speaker ends the current match; the request stays open for a new one (audited)."""
    proposal = _speaker_proposal(call_slug=call_slug, code=code, user_id=user_id)
    current = _current_match(proposal)
    if current is None:
        raise UnableToMentor(_("This proposal has no mentor now."))
    current.ended_at = now
    current.save(update_fields=["ended_at"])
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action=queries.REMATCH_ACTION,
        data={"mentor_id": current.mentor_id},
        now=now,
    )


@transaction.atomic
def report_mentor(*, call_slug: str, code: str, user_id: int, text: str, now: dt.datetime) -> None:
    """A speaker tells the chairs about their mentor; the audit row is the report."""
    text = text.strip()
    if not text:
        raise UnableToMentor(_("Say what happened, so the chairs can act on it."))
    if len(text) > MAX_REPORT:
        raise UnableToMentor(_("Keep the report under %(n)s characters.") % {"n": MAX_REPORT})
    proposal = _speaker_proposal(call_slug=call_slug, code=code, user_id=user_id)
    latest = (
        models.MentorMatch.objects.filter(proposal=proposal).order_by("-matched_at", "-pk").first()
    )
    if latest is None:
        raise UnableToMentor(_("This proposal has never had a mentor."))
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action=queries.REPORTED_ACTION,
        data={
            "mentor_id": latest.mentor_id,
            "mentor_name": _display_name(latest.mentor_id),
            "text": text,
        },
        now=now,
    )


def _may_write(*, proposal: models.Proposal, user_id: int) -> bool:
    if models.MentorMatch.objects.filter(
        proposal=proposal, mentor_id=user_id, ended_at__isnull=True
    ).exists():
        return True
    return (
        proposal.owner_id == user_id
        or models.ProposalSpeaker.objects.filter(
            proposal=proposal, speaker__user_id=user_id
        ).exists()
    )


def _thread_proposal(*, call_id: int, code: str, user_id: int) -> models.Proposal:
    proposal = (
        models.Proposal.objects.filter(call_id=call_id, code=code).select_related("call").first()
    )
    if proposal is None or not _may_write(proposal=proposal, user_id=user_id):
        raise UnableToMentor(_("This proposal does not exist."))
    return proposal


@transaction.atomic
def post_message(*, call_id: int, code: str, user_id: int, body: str, now: dt.datetime) -> None:
    """Add a message to the thread (a speaker of the proposal or its current mentor)."""
    body = body.strip()
    if not body:
        raise UnableToMentor(_("Write a message first."))
    if len(body) > MAX_POST:
        raise UnableToMentor(_("Keep a message under %(n)s characters.") % {"n": MAX_POST})
    proposal = _thread_proposal(call_id=call_id, code=code, user_id=user_id)
    models.MentoringPost.objects.create(
        proposal=proposal, author_id=user_id, body=body, created_at=now
    )


@transaction.atomic
def suggest_change(
    *,
    call_id: int,
    code: str,
    mentor_id: int,
    original: str,
    replacement: str,
    note: str,
    now: dt.datetime,
) -> None:
    """The mentor proposes replacing a passage of the abstract, as it is now."""
    proposal = _thread_proposal(call_id=call_id, code=code, user_id=mentor_id)
    if not models.MentorMatch.objects.filter(
        proposal=proposal, mentor_id=mentor_id, ended_at__isnull=True
    ).exists():
        raise UnableToMentor(_("Only the mentor suggests changes."))
    if not original.strip():
        raise UnableToMentor(_("Copy the passage of the abstract you want to change."))
    if original not in proposal.abstract:
        raise UnableToMentor(
            _("That passage is not in the abstract as it is now; copy it from the text above.")
        )
    if original == replacement:
        raise UnableToMentor(_("The suggestion changes nothing."))
    if _too_long(proposal.abstract.replace(original, replacement, 1)):
        raise UnableToMentor(
            _("With this change the abstract would be longer than %(n)s characters.")
            % {"n": proposals.MAX_ABSTRACT}
            + " "
            + _("Suggest a shorter wording.")
        )
    models.MentoringSuggestion.objects.create(
        proposal=proposal,
        author_id=mentor_id,
        original=original,
        replacement=replacement,
        note=note.strip(),
        created_at=now,
    )


def _too_long(abstract: str) -> bool:
    """An abstract a suggestion produces keeps the limit every other edit of it keeps."""
    return len(abstract) > proposals.MAX_ABSTRACT


def accept_suggestion(
    *, call_slug: str, code: str, user_id: int, suggestion_id: int, now: dt.datetime
) -> int:
    """The speaker takes the suggestion: the abstract is saved through the proposal's write
    path (a new version, scanned and redacted). Returns the new version number."""
    proposal = models.Proposal.objects.filter(
        proposals.usable_by(call_slug=call_slug, code=code, user_id=user_id, owner_only=False)
    ).first()
    if proposal is None:
        raise UnableToMentor(_("This proposal does not exist."))
    suggestion = models.MentoringSuggestion.objects.filter(
        pk=suggestion_id, proposal=proposal
    ).first()
    if suggestion is None or suggestion.state != models.SuggestionState.OPEN:
        raise UnableToMentor(_("This suggestion is no longer open."))
    if suggestion.original not in proposal.abstract:
        raise UnableToMentor(
            _("The abstract changed since this suggestion: the passage is no longer in it.")
        )
    abstract = proposal.abstract.replace(suggestion.original, suggestion.replacement, 1)
    # The abstract may have grown since the suggestion was made.
    if _too_long(abstract):
        raise UnableToMentor(
            _("With this change the abstract would be longer than %(n)s characters.")
            % {"n": proposals.MAX_ABSTRACT}
            + " "
            + _("Shorten the abstract first, or ignore the suggestion.")
        )
    data = proposals.ProposalData(
        title=proposal.title,
        abstract=abstract,
        format_slug=proposal.format.slug,
        description=proposal.description,
        notes=proposal.notes,
        track_slug=proposal.track.slug if proposal.track else "",
        level=proposal.level,
        language=proposal.language,
        answers=None,
    )
    try:
        version = proposals.update_proposal(
            call_slug=call_slug, code=code, user_id=user_id, data=data, now=now
        )
    except proposals.UnableToSubmit as exc:
        raise UnableToMentor(str(exc)) from exc
    with transaction.atomic():
        models.MentoringSuggestion.objects.filter(
            pk=suggestion.pk, state=models.SuggestionState.OPEN
        ).update(state=models.SuggestionState.ACCEPTED, resolved_at=now)
        audit.record(
            call=proposal.call,
            proposal=proposal,
            actor_id=user_id,
            action=queries.SUGGESTION_ACTION,
            data={"suggestion_id": suggestion.pk, "version": version},
            now=now,
        )
    return version


@transaction.atomic
def ignore_suggestion(
    *, call_slug: str, code: str, user_id: int, suggestion_id: int, now: dt.datetime
) -> None:
    proposal = _speaker_proposal(call_slug=call_slug, code=code, user_id=user_id)
    updated = models.MentoringSuggestion.objects.filter(
        pk=suggestion_id, proposal=proposal, state=models.SuggestionState.OPEN
    ).update(state=models.SuggestionState.IGNORED, resolved_at=now)
    if not updated:
        raise UnableToMentor(_("This suggestion is no longer open."))


@transaction.atomic
def update_mentoring_settings(
    *,
    call_id: int,
    chair_id: int,
    reviewers_may_mentor: bool,
    mentors_may_review: bool,
    now: dt.datetime,
) -> bool:
    """The call's two mentoring settings (audited with before and after); True if changed."""
    call = models.Call.objects.select_for_update().get(pk=call_id)
    before = {
        "reviewers_may_mentor": call.reviewers_may_mentor,
        "mentors_may_review": call.mentors_may_review,
    }
    after = {
        "reviewers_may_mentor": reviewers_may_mentor,
        "mentors_may_review": mentors_may_review,
    }
    if before == after:
        return False
    call.reviewers_may_mentor = reviewers_may_mentor
    call.mentors_may_review = mentors_may_review
    call.save(update_fields=["reviewers_may_mentor", "mentors_may_review"])
    audit.record(
        call=call,
        actor_id=chair_id,
        action=queries.SETTINGS_ACTION,
        data={"before": before, "after": after},
        now=now,
    )
    return True


@transaction.atomic
def volunteer_as_mentor(*, call_id: int, user_id: int, now: dt.datetime) -> None:
    """A reviewer of the call becomes one of its mentors, if the call lets reviewers do so."""
    call = models.Call.objects.get(pk=call_id)
    if not call.reviewers_may_mentor:
        # Worded for a reviewer's page: it never names mentoring (the reviewer canary crawl).
        raise UnableToMentor(_("The chairs of this call have not opened this to reviewers."))
    if not membership.members(role=models.Role.REVIEWER, call_id=call_id, user_id=user_id).exists():
        raise UnableToMentor(_("Only the call's reviewers can volunteer."))
    if cfp_services.grant_role(call_id=call_id, user_id=user_id, role=models.Role.MENTOR):
        audit.record(
            call=call, actor_id=user_id, action=queries.VOLUNTEERED_ACTION, data={}, now=now
        )
