"""Who may review what: the hard rules of assignment, pair by pair and in bulk as bitmasks.

A reviewer only gets proposals in a language they listed, and never one they speak on, one they
declared a conflict with, one whose speakers share their affiliation, or one whose speakers use
the same (non-public) e-mail domain. :func:`eligible` answers for one pair; :class:`Masks` applies
the same rules to every proposal at once for ``plan.assign``; the Hypothesis oracle in the tests
holds the two to each other.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

PUBLIC_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # Addresses at these providers say nothing about where a person works, so sharing one
        # with a speaker is not a conflict. Company and university domains are.
        "163.com",
        "126.com",
        "aol.com",
        "duck.com",
        "fastmail.com",
        "fastmail.fm",
        "gmail.com",
        "gmx.at",
        "gmx.ch",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hey.com",
        "hotmail.co.uk",
        "hotmail.com",
        "hotmail.de",
        "hotmail.fr",
        "icloud.com",
        "laposte.net",
        "libero.it",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "mailbox.org",
        "me.com",
        "msn.com",
        "naver.com",
        "orange.fr",
        "outlook.com",
        "outlook.de",
        "pm.me",
        "posteo.de",
        "posteo.net",
        "proton.me",
        "protonmail.ch",
        "protonmail.com",
        "qq.com",
        "rambler.ru",
        "seznam.cz",
        "t-online.de",
        "tutanota.com",
        "tuta.io",
        "web.de",
        "wp.pl",
        "yahoo.co.jp",
        "yahoo.co.uk",
        "yahoo.com",
        "yahoo.de",
        "yahoo.fr",
        "yandex.com",
        "yandex.ru",
        "ymail.com",
        "zoho.com",
    }
)


@dataclass(frozen=True, slots=True)
class ReviewerProfile:
    key: str
    languages: frozenset[str]
    tracks: frozenset[str] = frozenset()
    max_load: int | None = None
    email: str = ""
    affiliation: str = ""
    # Proposal keys the reviewer declared a conflict with.
    conflicts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ProposalProfile:
    key: str
    language: str
    track: str = ""
    speaker_emails: tuple[str, ...] = ()
    speaker_affiliations: tuple[str, ...] = ()


# Normalisation: the same rules serve `eligible` and the bitmask build of `Masks`.

_NON_ALNUM = re.compile(r"[\W_]+")


def norm_token(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def norm_email(value: str) -> str:
    return norm_token(value)


def private_domain(email: str) -> str:
    """The domain of a normalised email, or "" when it is missing or a public provider."""
    _, at, domain = email.rpartition("@")
    domain = domain.rstrip(".")
    if not at or not domain or domain in PUBLIC_MAIL_DOMAINS:
        return ""
    return domain


def norm_affiliation(value: str) -> str:
    # "ACME, Inc." and "acme inc" are the same employer; punctuation and spacing vary by hand.
    return " ".join(_NON_ALNUM.sub(" ", norm_token(value)).split())


def stable_hash(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def conflict(*, reviewer: ReviewerProfile, proposal: ProposalProfile) -> str | None:
    """Why `reviewer` may not review `proposal` (the rule's name), or None when they may.

    `Masks` applies the same rules in bulk; the Hypothesis oracle in the tests holds the two
    to each other.
    """
    language = norm_token(proposal.language)
    if not language or language not in {norm_token(x) for x in reviewer.languages}:
        return "language"
    email = norm_email(reviewer.email)
    speaker_emails = {norm_email(e) for e in proposal.speaker_emails}
    if email and email in speaker_emails:
        return "speaker"
    if proposal.key in reviewer.conflicts:
        return "declared"
    affiliation = norm_affiliation(reviewer.affiliation)
    if affiliation and affiliation in {norm_affiliation(a) for a in proposal.speaker_affiliations}:
        return "affiliation"
    domain = private_domain(email)
    if domain and domain in {private_domain(e) for e in speaker_emails}:
        return "domain"
    return None


def eligible(*, reviewer: ReviewerProfile, proposal: ProposalProfile) -> bool:
    """Whether the hard rules allow this pair (the `excluded` list of `assign` aside)."""
    return conflict(reviewer=reviewer, proposal=proposal) is None


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Reviewer bitmasks for one proposal: who reads it and who is ruled out by which rule."""

    readers: int
    speaker: int
    declared: int
    excluded: int
    affiliation: int
    domain: int

    @property
    def eligible(self) -> int:
        blocked = self.speaker | self.declared | self.excluded | self.affiliation | self.domain
        return self.readers & ~blocked


@dataclass(frozen=True, slots=True)
class Masks:
    languages: dict[str, int]
    tracks: dict[str, int]
    emails: dict[str, int]
    domains: dict[str, int]
    affiliations: dict[str, int]
    declared: dict[str, int]

    @classmethod
    def build(cls, revs: Sequence[ReviewerProfile]) -> Masks:
        masks = cls({}, {}, {}, {}, {}, {})

        def add(table: dict[str, int], key: str, bit: int) -> None:
            if key:
                table[key] = table.get(key, 0) | bit

        for i, r in enumerate(revs):
            bit = 1 << i
            for language in r.languages:
                add(masks.languages, norm_token(language), bit)
            for track in r.tracks:
                add(masks.tracks, norm_token(track), bit)
            email = norm_email(r.email)
            add(masks.emails, email, bit)
            add(masks.domains, private_domain(email), bit)
            add(masks.affiliations, norm_affiliation(r.affiliation), bit)
            for key in r.conflicts:
                masks.declared[key] = masks.declared.get(key, 0) | bit
        return masks

    def breakdown(self, proposal: ProposalProfile, excluded: int) -> Breakdown:
        speaker = domain = affiliation = 0
        for raw in proposal.speaker_emails:
            email = norm_email(raw)
            speaker |= self.emails.get(email, 0)
            domain |= self.domains.get(private_domain(email), 0)
        for raw in proposal.speaker_affiliations:
            affiliation |= self.affiliations.get(norm_affiliation(raw), 0)
        return Breakdown(
            readers=self.languages.get(norm_token(proposal.language), 0),
            speaker=speaker,
            declared=self.declared.get(proposal.key, 0),
            excluded=excluded,
            affiliation=affiliation,
            domain=domain,
        )
