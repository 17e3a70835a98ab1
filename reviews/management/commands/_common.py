"""Argument helpers shared by the commands: one-line errors, never a traceback."""

from __future__ import annotations

from django.core.management.base import CommandError

from reviews.queries import calls


def call_id(slug: str) -> int:
    found = calls.call_id_for_slug(slug=slug)
    if found is None:
        raise CommandError(f"No call with the slug {slug!r}.")
    return found
