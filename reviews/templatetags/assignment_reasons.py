"""Why a reviewer was assigned, in the chair's language.

The engine (``reviews.domain.assignment``, no Django) and the services store each assignment's
reasons as stable English strings: ``assignments --format json`` prints them as they are, and
they stay readable in the audit trail. Chairs read them on the proposal page and a reviewer's
row through ``{{ a.reasons|assignment_reasons }}``, which translates each known form and keeps
anything else (a reason from a later version, say) as it was stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# Fixed reasons, as the engine and the services write them.
_FIXED: dict[str, Callable[[], str]] = {
    "manual": lambda: _("manual"),
    "review started": lambda: _("review started"),
    "review finished": lambda: _("review finished"),
    "eager bid": lambda: _("eager bid"),
    "willing bid": lambda: _("willing bid"),
    "not-for-me bid, no other reviewer was free": lambda: _(
        "not-for-me bid, no other reviewer was free"
    ),
    "track preference": lambda: _("track preference"),
    "balances the load": lambda: _("balances the load"),
}

# Reasons with a value in them: the pattern, and the translated text given its groups.
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"affinity (?P<value>\d+\.\d+)"),
        lambda m: _("affinity %(value)s") % {"value": m["value"]},
    ),
    (
        re.compile(r"extra review: chance in slots (?P<pct>\d+) %"),
        lambda m: _("extra review: chance in slots %(pct)s %%") % {"pct": m["pct"]},
    ),
    (
        re.compile(r"filled a gap after (?P<name>.+) recused"),
        lambda m: _("filled a gap after %(name)s recused") % {"name": m["name"]},
    ),
    (
        re.compile(r"filled a gap after (?P<name>.+) declared a conflict"),
        lambda m: _("filled a gap after %(name)s declared a conflict") % {"name": m["name"]},
    ),
    (
        re.compile(r"filled a gap after (?P<name>.+) left"),
        lambda m: _("filled a gap after %(name)s left") % {"name": m["name"]},
    ),
    (
        re.compile(r"took over from (?P<name>.+) to balance the loads"),
        lambda m: _("took over from %(name)s to balance the loads") % {"name": m["name"]},
    ),
)


def known(reason: str) -> bool:
    """Whether `reason` has a translation here (the tests check every stored form does)."""
    return reason in _FIXED or any(p.fullmatch(reason) for p, _f in _PATTERNS)


def translate_reason(reason: str) -> str:
    text = str(reason)
    fixed = _FIXED.get(text)
    if fixed is not None:
        return fixed()
    for pattern, render in _PATTERNS:
        m = pattern.fullmatch(text)
        if m is not None:
            return render(m)
    return text


@register.filter
def assignment_reasons(reasons: Iterable[str] | None) -> str:
    """The reasons, each in the active language, joined by commas; empty for none."""
    return ", ".join(translate_reason(r) for r in (reasons or ()))
