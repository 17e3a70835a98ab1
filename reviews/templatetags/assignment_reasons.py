"""Why a reviewer was assigned, in the chair's language.

The engine (``reviews.domain.assignment``, no Django) and the services store each assignment's
reasons as stable English strings: ``assignments --format json`` prints them as they are, and
they stay readable in the audit trail. Chairs read them on the proposal page and a reviewer's
row through ``{{ a.reasons|assignment_reasons }}``, which translates each known form and keeps
anything else (a reason from a later version, say) as it was stored. The views put a run's
shortfalls (``engine.Short``) into their warnings through :func:`shortfall_warning`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviews.domain.assignment.engine import Short

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


# Why a proposal is short of reviewers (``engine._short_reasons``).
_SHORT_FIXED: dict[str, Callable[[], str]] = {
    "every reader is ruled out (conflicts, affiliation or own talk)": lambda: _(
        "every reader is ruled out (conflicts, affiliation or own talk)"
    ),
    "no further eligible reviewer": lambda: _("no further eligible reviewer"),
}
_SHORT_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"no reviewer reads (?P<lang>.+)"),
        lambda m: _("no reviewer reads %(language)s") % {"language": m["lang"]},
    ),
    (
        re.compile(r"(?P<n>\d+) eligible reviewers? (?:are|is) at max_load"),
        lambda m: (
            ngettext(
                "%(n)s eligible reviewer is at their maximum load",
                "%(n)s eligible reviewers are at their maximum load",
                int(m["n"]),
            )
            % {"n": m["n"]}
        ),
    ),
)


def known(reason: str) -> bool:
    """Whether `reason` has a translation here (the tests check every stored form does)."""
    return reason in _FIXED or any(p.fullmatch(reason) for p, _f in _PATTERNS)


def known_short(reason: str) -> bool:
    return reason in _SHORT_FIXED or any(p.fullmatch(reason) for p, _f in _SHORT_PATTERNS)


def _translate_short(reason: str) -> str:
    fixed = _SHORT_FIXED.get(reason)
    if fixed is not None:
        return fixed()
    for pattern, render in _SHORT_PATTERNS:
        m = pattern.fullmatch(reason)
        if m is not None:
            return render(m)
    return reason


def shortfall_warning(short: Short) -> str:
    """ "K7Q2XM “Title”: 2 of 3 reviewers (no reviewer reads 'pt')" in the active language.

    The engine's English warning starts with the proposal's label (code and title); it is
    taken from there, so the label is never rebuilt differently from what the engine saw.
    """
    tail = f": {short.got} of {short.wanted} reviewers ("
    cut = short.warning.rfind(tail)
    label = short.warning[:cut] if cut >= 0 else short.proposal
    return _("%(proposal)s: %(got)s of %(wanted)s reviewers (%(why)s)") % {
        "proposal": label,
        "got": short.got,
        "wanted": short.wanted,
        "why": "; ".join(_translate_short(r) for r in short.reasons),
    }


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
