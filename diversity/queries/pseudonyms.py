"""Report units: the keyed pseudonyms people are counted under, and every unit one person is.

A snapshot basis stores unit keys, never user ids; only this module turns a speaker or a reviewer
membership into a key, so a build and a withdrawal always agree on who a key is.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from diversity import models

SPEAKER_UNIT = "s"
MEMBER_UNIT = "m"
PERSON = "p"
"""A person across calls and report kinds (the release history's key): a user, or a speaker
without an account."""
SPEAKER_PERSON = "sp"
EPOCH = "e"


@functools.lru_cache(maxsize=4)
def _pseudonym_key(secret: str) -> bytes:
    return hashlib.sha256(b"diversity-unit-keys:" + secret.encode()).digest()


def pseudonym(*, call_id: int, kind: str, ident: int) -> str:
    """The unit key stored in a snapshot basis: a keyed hash (BLAKE2b as a MAC), so a database
    reader cannot map it back to a speaker or membership without the secret key."""
    message = f"{call_id}:{kind}:{ident}".encode()
    return hashlib.blake2b(
        message, key=_pseudonym_key(settings.SECRET_KEY), digest_size=10
    ).hexdigest()


def person_key(*, user_id: int | None, speaker_id: int | None = None) -> str:
    """The release history's key of a person: the same in every call and report kind, so the
    audit sees one person's answer wherever it is counted."""
    if user_id is not None:
        return pseudonym(call_id=0, kind=PERSON, ident=user_id)
    return pseudonym(call_id=0, kind=SPEAKER_PERSON, ident=speaker_id or 0)


def epoch_token(*, user_id: int, key: str, changed_at: str) -> str:
    """A token that changes exactly when a person's answer to a question changes value (from
    ``Answer.value_changed_at``, read in the same row as the value): the audit learns who
    changed, as the viewer may, never to what."""
    message = f"{user_id}:{key}:{changed_at}".encode()
    return hashlib.blake2b(
        message, key=_pseudonym_key(settings.SECRET_KEY), digest_size=8, person=EPOCH.encode()
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class PersonUnit:
    """Where a person is counted: the call, the report kind and their pseudonymous key."""

    call_id: int
    kind: str
    key: str


def units_of_person(*, user_id: int) -> tuple[PersonUnit, ...]:
    """Every report unit a person is: a speaker in any call, a reviewer membership in any call."""
    units: set[PersonUnit] = set()
    speaker_calls = cfp_models.ProposalSpeaker.objects.filter(speaker__user_id=user_id).values_list(
        "speaker_id", "proposal__call_id"
    )
    for speaker_id, call_id in speaker_calls:
        units.add(
            PersonUnit(
                call_id=call_id,
                kind=models.ReportKind.SPEAKERS,
                key=pseudonym(call_id=call_id, kind=SPEAKER_UNIT, ident=speaker_id),
            )
        )
    reviewing = cfp_queries.members(role=cfp_models.Role.REVIEWER, user_id=user_id)
    for member_id, call_id in reviewing.values_list("pk", "call_id"):
        units.add(
            PersonUnit(
                call_id=call_id,
                kind=models.ReportKind.COMMITTEE,
                key=pseudonym(call_id=call_id, kind=MEMBER_UNIT, ident=member_id),
            )
        )
    return tuple(sorted(units, key=lambda u: (u.call_id, u.kind, u.key)))
