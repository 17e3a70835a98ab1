"""Template filters for numbers, flags and times as people read them (issue 19).

``{% load common_display %}``; ``tests/test_template_audit.py`` makes templates use these rather
than ``timesince`` or an ad-hoc date format.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from common import vocabulary

register = template.Library()

# Below this, "0 minutes ago" would be true and useless.
JUST_NOW = dt.timedelta(minutes=1)


@register.filter
def ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "just now" under a minute, else "5 minutes ago"; empty for no time."""
    if value is None:
        return ""
    now = now or timezone.now()
    if abs(now - value) < JUST_NOW:
        return _("just now")
    return _("%(delta)s ago") % {"delta": timesince(value, now)}


@register.filter
def flag(code: str) -> str:
    return vocabulary.flag_label(str(code))


@register.filter
def flag_hint(code: str) -> str:
    return vocabulary.flag_hint(str(code))
