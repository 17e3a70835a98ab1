"""What the scanner finds: the kinds of leak, a speaker's identity, one finding, why it matters."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple


class FindingKind(enum.StrEnum):
    NAME = "name"
    EMAIL = "email"
    HANDLE = "handle"
    LINK = "link"
    AFFILIATION = "affiliation"
    PHRASE = "phrase"


@dataclass(frozen=True, slots=True)
class SpeakerIdentity:
    name: str
    email: str = ""
    affiliation: str = ""
    links: tuple[str, ...] = ()


class Finding(NamedTuple):
    """One leak: `text` is `scanned_text[start:end]`, offsets in the original, unfolded text.

    A named tuple rather than a frozen dataclass: a text stuffed with evidence has a finding
    every few characters, and a tuple is built in one call in C (a frozen dataclass sets each
    field through `object.__setattr__`).
    """

    kind: FindingKind
    start: int
    end: int
    text: str


# When two candidates of equal length cover the same text, the lower number names the merge.
_SPECIFICITY = {
    FindingKind.EMAIL: 0,
    FindingKind.LINK: 1,
    FindingKind.HANDLE: 2,
    FindingKind.NAME: 3,
    FindingKind.AFFILIATION: 4,
    FindingKind.PHRASE: 5,
}

_EXPLANATIONS = {
    FindingKind.NAME: (
        "Your name appears in the text, so reviewers would know who wrote it: refer to yourself "
        "as “the speaker” or “I” instead."
    ),
    FindingKind.EMAIL: (
        "An email address tells reviewers who you are or where you work: remove it, the "
        "organisers already have your contact details."
    ),
    FindingKind.HANDLE: (
        "An @handle points reviewers straight to a person's profile: remove it or describe the "
        "account without naming it."
    ),
    FindingKind.LINK: (
        "This link leads to a personal profile or contains your name: remove it for the review, "
        "or point to the project itself instead of your own page."
    ),
    FindingKind.AFFILIATION: (
        "Naming your employer or institution narrows down who you are: describe it generically, "
        "for example “a large retailer” or “a university lab”."
    ),
    FindingKind.PHRASE: (
        "This wording tells reviewers about you rather than the talk (where you work, what you "
        "maintain, where you spoke before): rephrase it in neutral terms, for example “the "
        "author of this library” becomes “this library”."
    ),
}


def explain(kind: FindingKind) -> str:
    """One sentence for a first-time speaker: why the finding matters and how to fix it."""
    return _EXPLANATIONS[kind]
