"""Rows for self-identification and diversity reports."""

from __future__ import annotations

ROWS: dict[str, dict[str, dict[str, int]]] = {}
