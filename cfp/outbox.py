"""The e-mail outbox: every e-mail the cfp and reviews apps promise is queued here, sent once.

``queue_email`` records the message under a unique key inside the caller's transaction and
enqueues the ``cfp.send_email`` task after commit; ``send_email`` sends a row unless it was sent
already; beat's ``requeue_unsent_email`` sweep queues again what a lost task or a refusing mail
server left behind (see ``models.EmailOutbox``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cfp import models
from cfp.domain import secret_mail
from cfp.queries import personal_settings
from common.queue import enqueue_on_commit

log = logging.getLogger(__name__)

# Which keys carry a one-time link is decided in cfp.domain.secret_mail (re-exported here); the
# body of such an e-mail is dropped once sent or given up.
SECRET_MAIL_KEYS = secret_mail.SECRET_MAIL_KEYS
carries_secret = secret_mail.carries_secret

SECRET_BODY_DROPPED = gettext_noop("(Sent. The body held a one-time link and is not kept.)")
SECRET_BODY_GIVEN_UP = gettext_noop("(Not sent. The body held a one-time link and is not kept.)")


# --- the recipient's language (issue 24) ------------------------------------------------------
# Every e-mail is written in its recipient's language, whoever triggers it: the words the app
# adds (a default decision template, the feedback headings, a link's explanation) in theirs, the
# words a chair typed as typed. Mail the person asked for themselves (sign-up, reset) is written
# while their own request's language is active (common.queue carries it into the task); mail to
# someone else is composed inside ``in_language_of(their stored language)``.


def recipient_languages(*, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The stored language of each of these accounts that has one (one query)."""
    return personal_settings.languages_of(user_ids={i for i in user_ids if i is not None})


def mail_language(code: str) -> str:
    """The language an e-mail to someone who chose ``code`` is written in ("" = they never
    chose: the site's default, never the language of whoever triggered the e-mail)."""
    return code if code in {c for c, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


def in_language_of(code: str) -> AbstractContextManager[None]:
    """Compose inside this block: the app's words come out in ``mail_language(code)``."""
    return translation.override(mail_language(code))


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
        fields = ["attempts", "last_attempt_at", "last_error"]
        if row.attempts >= MAX_ATTEMPTS and carries_secret(row.key):
            # Given up (the sweep requeues it no more): the link must not stay in the table.
            row.body = _(SECRET_BODY_GIVEN_UP)
            fields.append("body")
        row.save(update_fields=fields)
        return False
    row.sent_at = now
    row.last_error = ""
    if carries_secret(row.key):
        # The body carries a one-time link: keep it out of the table once it is sent.
        row.body = _(SECRET_BODY_DROPPED)
        row.save(update_fields=["sent_at", "body", "attempts", "last_attempt_at", "last_error"])
    else:
        row.save(update_fields=["sent_at", "attempts", "last_attempt_at", "last_error"])
    return True


# An unsent e-mail is queued again once it is this old (its first task had time to run), then
# after pauses that double from RETRY_PAUSE; after MAX_ATTEMPTS failures it waits for an operator
# (a secret link's body is dropped then: its owner asks for a new link).
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
