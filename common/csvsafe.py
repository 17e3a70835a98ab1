"""Spreadsheet safety for exported cells."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with a quote.

    Numbers stay numbers; only strings starting with ``= + - @`` (or a tab or carriage return,
    which some spreadsheets skip before reading a formula) are changed.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
