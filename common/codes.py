"""Opaque public codes for URLs: never a sequential id."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: codes are read aloud and typed by people.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(length: int = 6) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
