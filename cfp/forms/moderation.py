"""A chair's actions on one proposal: reopening it for changes, ruling a finding "not a leak"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp.forms.fields import WallClockField, in_zone


class ReopenForm(forms.Form):
    until = WallClockField(
        label=_("Open for changes until"),
        help_text=_("In the call's time zone. Only this proposal's speakers can save until then."),
    )

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def until_at(self) -> dt.datetime:
        value = in_zone(self.cleaned_data["until"], self.zone)
        assert value is not None
        return value


class FalsePositiveForm(forms.Form):
    field = forms.CharField(max_length=40)
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    # Where to go after marking; the view follows it through common.redirects only.
    next = forms.CharField(required=False, strip=False)
