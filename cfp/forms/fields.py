"""Pieces several cfp forms share: text cleaning and wall-clock dates in a call's zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def no_nul(value: str) -> None:
    # NUL bytes are refused by PostgreSQL and never meaningful in a proposal.
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))


def clean_text(value: str) -> str:
    no_nul(value)
    return value.strip()


class WallClockField(forms.DateTimeField):
    """A date and time as typed, without a zone: the form attaches the call's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        return timezone.make_naive(result, timezone.get_current_timezone())


def wall_clock(when: dt.datetime | None, zone: str) -> dt.datetime | None:
    """An aware datetime as the naive wall-clock time in ``zone`` (form initial values)."""
    if when is None:
        return None
    return when.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)


def in_zone(naive: dt.datetime | None, zone: str) -> dt.datetime | None:
    return None if naive is None else naive.replace(tzinfo=zoneinfo.ZoneInfo(zone))
