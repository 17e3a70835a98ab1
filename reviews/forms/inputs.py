"""Input cleaning shared by the app's forms: text without NUL characters."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def clean_text(value: str) -> str:
    """The text, stripped; refused when it holds a NUL (the database would refuse it later)."""
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))
    return value.strip()
