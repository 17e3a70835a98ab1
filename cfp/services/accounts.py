"""Accounts: signing up, the e-mailed confirmation link, and choosing the first password behind it.

Sign-up leaves the account inactive and without a usable password; whoever opens the link sent
to the address (its owner) chooses the only password that will work (issue 13).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import loader
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfp import models, outbox
from cfp.domain import tokens
from cfp.queries import accounts as account_queries
from common import languages
from common.queue import enqueue_on_commit


class UnableToSignUp(Exception):
    pass


class UnableToVerify(Exception):
    pass


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
    claimable = [
        u for u in accounts if account_queries.is_pending_account(u) and u.email.lower() == email
    ]
    return accounts, claimable


def _send_verification(*, user: Any, verify_url: str, now: dt.datetime) -> str:
    """E-mail a new confirmation link to ``user``; older links stop working. Returns its token."""
    models.EmailVerification.objects.filter(user=user).delete()
    token = tokens.new_token()
    row = models.EmailVerification.objects.create(
        user=user,
        token_hash=tokens.token_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE_SECONDS),
    )
    outbox.queue_email(
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
    # The language they signed up in becomes their stored one (the switcher changes it): mail
    # someone else triggers later (a decision) is written in it (issue 24).
    language = languages.supported(translation.get_language() or "")
    if language:
        models.PersonSettings.objects.update_or_create(
            user=user, defaults={"language": language, "updated_at": now}
        )
    return _send_verification(user=user, verify_url=verify_url, now=now)


@transaction.atomic
def resend_verification(*, email: str, verify_url: str, now: dt.datetime) -> None:
    """A password reset for a pending account: it has no password yet, so send the link that
    sets one. Nothing happens for any other address (the reset page says the same either way).
    """
    for user in _accounts_for(email.strip().lower())[1]:
        _send_verification(user=user, verify_url=verify_url, now=now)


def confirmation_problem(
    *, link: account_queries.ConfirmationLink | None, now: dt.datetime
) -> str | None:
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
        .filter(token_hash=tokens.token_hash(token))
        .first()
    )
    link = None if row is None else account_queries.confirmation_link_of(row)
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


# --- the same answer and the same work for every address (issue 17) ---------------------------
#
# Sign-up and password-reset requests do no per-address work in the request: they enqueue one
# task with the same arguments whatever the address, and the task decides what mail, if any, is
# owed. The page, its status, its queries and the queued work are therefore the same for an
# unknown, a pending, a confirmed and a deactivated address (tests/test_enumeration.py).


@transaction.atomic
def request_sign_up(*, email: str, name: str, verify_url: str, login_url: str) -> None:
    """Queue the sign-up of ``email``: ``handle_sign_up`` runs in the task after commit."""
    enqueue_on_commit("cfp.handle_sign_up", email, name, verify_url, login_url)


@transaction.atomic
def request_password_reset(*, email: str, verify_url: str, domain: str, use_https: bool) -> None:
    """Queue a password reset for ``email``: ``handle_password_reset`` runs in the task."""
    enqueue_on_commit("cfp.handle_password_reset", email, verify_url, domain, use_https)


def _hour(now: dt.datetime) -> str:
    return now.strftime("%Y%m%d%H")


@transaction.atomic
def handle_sign_up(
    *, email: str, name: str, verify_url: str, login_url: str, now: dt.datetime
) -> str:
    """What a sign-up for ``email`` is owed, decided out of the request: a new or pending
    account gets its confirmation link; a confirmed account gets a note (someone tried to sign
    up with your address: log in, or reset your password), at most one an hour; a deactivated
    or staff account gets nothing. Returns "link", "note" or "nothing" (for tests and logs)."""
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    accounts, claimable = _accounts_for(email)
    if accounts == claimable:
        try:
            sign_up(email=email, name=name, verify_url=verify_url, now=now)
        except UnableToSignUp:  # the same address in a parallel request: that one mails
            return "nothing"
        return "link"
    owner = next((u for u in accounts if u.is_active and u.email.lower() == email), None)
    if owner is None or owner.is_staff or owner.is_superuser:
        return "nothing"
    # Perhaps not the owner asking: the note speaks the owner's language (issue 24).
    with outbox.in_language_of(outbox.recipient_languages(user_ids=[owner.pk]).get(owner.pk, "")):
        subject = _("Someone tried to sign up with your address")
        body = _(
            "Someone (perhaps you) tried to create a talk review account with this address, "
            "but you have one already.\n\nLog in here: %(login)s\n\nForgot your password? "
            "The log-in page has a link to reset it. If it was not you, ignore this e-mail: "
            "nothing changed."
        ) % {"login": login_url}
    outbox.queue_email(
        key=f"signup-known:{owner.pk}:{_hour(now)}",
        to=owner.email,
        subject=subject,
        body=body,
        now=now,
    )
    return "note"


@transaction.atomic
def handle_password_reset(
    *, email: str, verify_url: str, domain: str, use_https: bool, now: dt.datetime
) -> int:
    """A password reset for ``email``, out of the request: a pending account gets a fresh
    confirmation link (it has no password yet); an active account with a usable password gets
    a reset link; nobody else gets anything. Returns how many e-mails were queued."""
    email = email.strip().lower()
    sent = 0
    for user in _accounts_for(email)[1]:
        _send_verification(user=user, verify_url=verify_url, now=now)
        sent += 1
    candidates = get_user_model().objects.filter(email__iexact=email, is_active=True)
    for user in candidates:
        if not user.has_usable_password() or user.email.lower() != email:
            continue
        token = default_token_generator.make_token(user)
        context = {
            "display_name": user.first_name or "",
            "domain": domain,
            "site_name": domain,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token,
            "protocol": "https" if use_https else "http",
        }
        subject = "".join(
            loader.render_to_string("registration/password_reset_subject.txt", context).splitlines()
        )
        body = loader.render_to_string("registration/password_reset_email.html", context)
        # One row per link; the key holds only a digest of the token ("reset:" marks a body
        # with a secret link, dropped from the table once sent).
        outbox.queue_email(
            key=f"reset:{user.pk}:{tokens.token_hash(token)[:16]}",
            to=user.email,
            subject=subject,
            body=body,
            now=now,
        )
        sent += 1
    return sent
