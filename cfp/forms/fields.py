"""Pieces every cfp form shares: text cleaning, wall-clock dates in a call's zone, and showing a
domain rule's problems on the fields they name."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cfp import services


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


class ProblemsMixin:
    """For forms whose validation asks a domain rule: each problem goes on the field it names."""

    def show_problems(self, problems: services.Problems) -> None:
        for field_name, message in problems:
            self.add_error(field_name if field_name in self.fields else None, message)  # type: ignore[attr-defined]
