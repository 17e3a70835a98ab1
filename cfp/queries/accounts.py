"""Accounts waiting for their owner: whether an account may be claimed, and its e-mailed link."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cfp import models


def is_pending_account(user: Any) -> bool:
    """Nobody has confirmed this account: the owner of its address may claim it.

    An inactive account that has logged in before was deactivated on purpose, and staff
    accounts are made by the operators: neither is ever reopened by a sign-up or a reset.
    """
    return not (user.is_active or user.last_login or user.is_staff or user.is_superuser)


@dataclass(frozen=True, slots=True)
class ConfirmationLink:
    """What the address-confirmation page shows about its link (no user id)."""

    email: str
    name: str
    used: bool
    expires_at: dt.datetime


def confirmation_link_of(row: models.EmailVerification) -> ConfirmationLink:
    user: Any = row.user
    return ConfirmationLink(
        email=user.email,
        name=user.first_name,
        used=row.used_at is not None or not is_pending_account(user),
        expires_at=row.expires_at,
    )


def confirmation_link(*, token_hash: str) -> ConfirmationLink | None:
    row = (
        models.EmailVerification.objects.select_related("user")
        .filter(token_hash=token_hash)
        .first()
    )
    return None if row is None else confirmation_link_of(row)
