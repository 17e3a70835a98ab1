"""API tokens as text: how a new secret looks, what is stored of it, how a presented one is read.

A token is ``trv1_`` and 43 URL-safe characters (32 random bytes). Only its SHA-256 is stored:
the secret has 256 bits of entropy, so a fast hash cannot be brute-forced and every request costs
one indexed look-up. The first characters are kept in clear so a chair can tell tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

PREFIX = "trv1_"
SECRET_BYTES = 32
# What a chair sees of a token after it is made: "trv1_AbCd1234…".
SHOWN_CHARS = len(PREFIX) + 8
SCOPES = ("read",)


@dataclass(frozen=True, slots=True)
class NewSecret:
    token: str
    digest: str
    prefix: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> NewSecret:
    token = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    return NewSecret(token=token, digest=digest(token), prefix=token[:SHOWN_CHARS])


def bearer(header: str) -> str | None:
    """The token in an ``Authorization: Bearer …`` header value, or None if it holds none."""
    scheme, _sep, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX) or len(value) > 100:
        return None
    return value
