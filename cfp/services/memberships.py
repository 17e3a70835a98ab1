"""Granting a person a role in one call: the only writer of ``Membership`` rows.

Reviewer invitations, the demo seed and any admin action call these instead of creating rows
themselves; ``cfp.queries.membership`` is the one reader and ``cfp.access`` the one check.
"""

from __future__ import annotations

from collections.abc import Iterable

from cfp import models

ROLES = frozenset(models.Role.values)


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(sorted(ROLES))}")
    return str(role)


def grant_role(*, call_id: int, user_id: int, role: str) -> bool:
    """Give the person ``role`` in the call; True if they did not hold it already (idempotent)."""
    _row, created = models.Membership.objects.get_or_create(
        call_id=call_id, user_id=user_id, role=_role(role)
    )
    return created


def grant_roles(*, call_id: int, user_ids: Iterable[int], role: str) -> None:
    """``grant_role`` for many people at once (one insert; those who hold it already are kept)."""
    checked = _role(role)
    models.Membership.objects.bulk_create(
        [models.Membership(call_id=call_id, user_id=pk, role=checked) for pk in user_ids],
        ignore_conflicts=True,
    )
