"""Reminding a reviewer of their open reviews: at most one e-mail a day, sent once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import outbox
from cfp import queries as cfp_queries
from common.queue import enqueue_on_commit
from reviews import models
from reviews.queries import dashboard


class UnableToRemind(Exception):
    """No reminder goes out; the message says why, for the chair."""


@dataclass(frozen=True, slots=True)
class ReminderOutcome:
    name: str
    open: int


def _review_counts(*, call_id: int, reviewer_id: int) -> tuple[int, int]:
    """(assigned, done) on live proposals, as the dashboard and the reviewer's queue count them."""
    counts = dashboard.reviewer_counts(call_id=call_id, reviewer_id=reviewer_id)
    return counts.get(reviewer_id, (0, 0))


@transaction.atomic
def request_reminder(
    *, call_id: int, reviewer_id: int, queue_url: str, now: dt.datetime
) -> ReminderOutcome:
    """Stamp the reviewer's reminder and send the e-mail after commit: at most one a day.

    The stamp (``ReviewerSettings.last_reminded_at``) refuses a second request on the same day
    under a row lock; the e-mail's outbox key carries the reviewer and the day as well, so a
    retried task never sends twice.
    """
    member = (
        cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id, user_id=reviewer_id)
        .select_related("user")
        .first()
    )
    if member is None:
        raise UnableToRemind(_("This person is not a reviewer of this call."))
    name = member.user.first_name or member.user.get_username()
    if reviewer_id in cfp_queries.mail_opt_outs(
        user_ids=[reviewer_id], mail=cfp_queries.Mail.REVIEWER_REMINDERS
    ):
        raise UnableToRemind(
            _("%(name)s turned reminders off in their settings; write to them yourself.")
            % {"name": name}
        )
    row, _created = models.ReviewerSettings.objects.select_for_update().get_or_create(
        call_id=call_id, user_id=reviewer_id
    )
    if row.last_reminded_at and timezone.localdate(row.last_reminded_at) == timezone.localdate(now):
        raise UnableToRemind(
            _("%(name)s was reminded today already; one reminder a day is enough.") % {"name": name}
        )
    if not member.user.email:
        raise UnableToRemind(_("%(name)s has no e-mail address.") % {"name": name})
    assigned, done = _review_counts(call_id=call_id, reviewer_id=reviewer_id)
    if assigned <= done:
        raise UnableToRemind(_("%(name)s has no open reviews.") % {"name": name})
    row.last_reminded_at = now
    row.save(update_fields=["last_reminded_at"])
    enqueue_on_commit("reviews.send_reminder", call_id, reviewer_id, queue_url)
    return ReminderOutcome(name=name, open=assigned - done)


@transaction.atomic
def send_reminder(*, call_id: int, reviewer_id: int, queue_url: str, now: dt.datetime) -> bool:
    """Queue the reminder e-mail; False when it was queued already or nothing is open."""
    call = cfp_models.Call.objects.filter(pk=call_id).values("name", "review_deadline_at").first()
    user = (
        get_user_model()
        .objects.filter(pk=reviewer_id)
        .values("email", "first_name", "username")
        .first()
    )
    if call is None or user is None or not user["email"]:
        return False
    if reviewer_id in cfp_queries.mail_opt_outs(
        user_ids=[reviewer_id], mail=cfp_queries.Mail.REVIEWER_REMINDERS
    ):
        return False  # turned off between the chair's request and this task
    stamped = (
        models.ReviewerSettings.objects.filter(call_id=call_id, user_id=reviewer_id)
        .values_list("last_reminded_at", flat=True)
        .first()
    )
    # The day of the chair's request, not of the task: a task retried after midnight keeps it.
    day = timezone.localdate(stamped or now)
    assigned, done = _review_counts(call_id=call_id, reviewer_id=reviewer_id)
    if assigned <= done:
        return False
    deadline = call["review_deadline_at"]
    # The chair asks; the reviewer reads it in their own language (issue 24).
    with outbox.in_language_of(
        outbox.recipient_languages(user_ids=[reviewer_id]).get(reviewer_id, "")
    ):
        subject, body = _reminder_text(
            name=user["first_name"] or user["username"],
            call_name=call["name"],
            assigned=assigned,
            done=done,
            deadline=deadline,
            queue_url=queue_url,
        )
    return outbox.queue_email(
        key=f"reviews.reminder:{call_id}:{reviewer_id}:{day.isoformat()}",
        to=user["email"],
        subject=subject,
        body=body,
        now=now,
    )


def _reminder_text(
    *,
    name: str,
    call_name: str,
    assigned: int,
    done: int,
    deadline: dt.datetime | None,
    queue_url: str,
) -> tuple[str, str]:
    body = _(
        "Hello %(name)s,\n\n"
        "The chairs of %(call)s send a friendly reminder: %(open)s of the %(assigned)s "
        "proposals assigned to you still wait for your review."
    ) % {
        "name": name,
        "call": call_name,
        "open": assigned - done,
        "assigned": assigned,
    }
    if deadline is not None:
        body += " " + _("The review deadline is %(day)s.") % {
            "day": timezone.localdate(deadline).isoformat()
        }
    body += "\n\n" + _("Your review queue: %(url)s") % {"url": queue_url}
    body += "\n\n" + _("Thank you for reviewing.")
    return _("Reminder: reviews for %(call)s") % {"call": call_name}, body
