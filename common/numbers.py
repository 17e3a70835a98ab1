"""Whole numbers that people type or that arrive in a URL."""

from __future__ import annotations


def is_whole_number(text: str) -> bool:
    """Whether `text` is ASCII digits only, so that `int(text)` cannot fail.

    `str.isdigit` is also true for superscripts and other digits that `int` refuses ("¹"): a
    query string such as `?edit=formats-¹` passed that test and then raised a server error.
    """
    return text.isascii() and text.isdigit()
