"""One-time secrets in links (co-speaker invitations, e-mail confirmation, reviewer invitations).

The link carries the token; only its hash is stored, so a copy of the database opens no link.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
