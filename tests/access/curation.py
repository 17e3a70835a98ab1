"""Rows for the chairs' curation pages (proposal page, decisions, reveal, e-mails)."""

from __future__ import annotations

ROWS: dict[str, dict[str, dict[str, int]]] = {}
