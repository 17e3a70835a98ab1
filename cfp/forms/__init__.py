"""cfp's input parsing and validation, one module per page family (proposals, profile,
accounts, cospeakers, call_settings, moderation; shared pieces in fields).

Views import the module they need; this package re-exports only what other apps still use."""

from __future__ import annotations

# diversity.queries reads the language names from here until it takes them from cfp.queries.
from cfp.domain.languages import LANGUAGE_NAMES

__all__ = ["LANGUAGE_NAMES"]
