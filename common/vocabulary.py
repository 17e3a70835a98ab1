"""One vocabulary for the flags and badges chairs and reviewers read (issue 19).

Every page, form choice and legend names a flag through :func:`flag_label` (templates: the
``flag`` filter of ``common_display``), so "disagreement" on the shortlist, "High disagreement" in
its filter and a raw ``high_disagreement`` on the proposal page cannot drift apart again. The keys
are the stored codes (``reviews.domain.scoring`` flags, the shortlist's ``near_cut``, programme
attributes, the leak scanner's review state); common holds the words because every app uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# code -> (label, one-line explanation for legends and tooltips). Labels are written as a badge
# shows them, mid-sentence; a form's choice or a heading capitalises them (``choice_label``).
FLAGS: Mapping[str, tuple[StrPromise, StrPromise]] = MappingProxyType(
    {
        "under_reviewed": (
            _("under-reviewed"),
            _("Fewer reviews than the call asks for: its numbers rest on little evidence."),
        ),
        "high_disagreement": (
            _("high disagreement"),
            _("Reviewers disagree: their scores are far apart."),
        ),
        "low_confidence": (
            _("low confidence"),
            _("Its reviewers said they were unsure of their judgement."),
        ),
        "near_cut": (
            _("near the cut"),
            _("A chance in slots between 20 % and 80 %: its place depends on chance."),
        ),
        "leak_findings": (
            _("possible identity leak"),
            _("The scanner found words that may name the speaker; reviewers see them redacted."),
        ),
        "first_time": (_("first-time speaker"), _("A speaker has not given a talk before.")),
        "english_additional": (
            _("English as an additional language"),
            _("A speaker speaks English as an additional language."),
        ),
        "wants_mentor": (_("wants a mentor"), _("A speaker asked for a mentor.")),
        "departs": (
            _("departs from the ranking"),
            _("The decision differs from the calibrated order and carries a reason."),
        ),
        "decided_blind": (
            _("decided blind"),
            _("Decided before the chairs saw who the speakers are."),
        ),
        "stale": (_("stale: newer reviews exist"), _("Newer reviews exist than the scores shown.")),
    }
)


def flag_label(code: str) -> str:
    """The flag's name as every page shows it; an unknown code reads as itself."""
    found = FLAGS.get(code)
    return str(found[0]) if found else code.replace("_", " ")


def flag_hint(code: str) -> str:
    found = FLAGS.get(code)
    return str(found[1]) if found else ""


def choice_label(code: str) -> StrPromise:
    """The label capitalised, lazily, for a form's choices."""
    return capfirst(FLAGS[code][0])
