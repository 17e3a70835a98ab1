"""Self-identifying phrases ("I maintain…", "I work at…"; other languages in phrases_languages).

Matched on folded text, so apostrophes are plain and case is gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cfp.domain.leaks import phrases_languages, work
from cfp.domain.leaks.folding import _Folded
from cfp.domain.leaks.kinds import FindingKind

_ROLE = (
    r"(?:original |lead |main |core |primary |principal |current |former )?"
    r"(?:co-?)?(?:author|creator|maintainer|founder|inventor|developer|contributor|committer"
    r"|organi[sz]er|designer)s?"
)
_BE_ROLE = rf"(?:the |a |an |one of the )?{_ROLE} (?:of|to|on|behind|for)\b"
_WORKING = r"(?:currently |now |also )?(?:working|interning) (?:at|for)\b"
_MADE = r"(?:co-?)?(?:maintained|created|authored|founded|invented)\b"
_MADE_LOOSELY = r"(?:joined|written|built|developed|designed|started)\b"
_TALK = r"(?:talks?|presentations?|keynotes?|tutorials?|workshops?)\b"
_EMPLOYER = r"(?:company|companies|employer|startup|organi[sz]ation|workplace|day job|current job"
_EMPLOYER += r"|clients?)\b"

# Phrases that identify the speaker, by leading word and group:
# - "plain" identifies on its own;
# - "object" identifies on its own, and the capitalised name after it (the employer, the
#   project) is part of the leak when there is one;
# - "needs" is too common in ordinary prose to flag unless such a name follows.
# Each leading word is searched as a literal, which the regex engine does at memchr speed; a
# single alternation starting with \b tried every word boundary and was three times slower.
_PHRASE_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "my ": {
        "plain": (
            _EMPLOYER,
            r"(?:previous|last|earlier|first|other|past) (?:talks?|presentations?|keynotes?"
            r"|tutorials?|workshops?|blog ?posts?|articles?|papers?)\b",
            r"(?:personal )?(?:blog|website|web site|homepage|home page|podcast|youtube|channel"
            r"|newsletter|twitter|github|mastodon|linkedin|thesis|phd|dissertation)\b",
            r"name is\b",
        ),
        "object": (
            r"(?:talk|presentation|keynote|tutorial|workshop) (?:last year(?: at| in)?|at|from)\b",
            r"(?:team|colleagues|group|lab|department|squad|manager) at\b",
            r"(?:own )?(?:open[- ]source )?(?:library|libraries|package|module|framework|book)\b",
        ),
        "needs": (
            r"(?:team|colleagues|group|lab|department) (?:in|from)\b",
            r"(?:project|tool|app|team)\b",
        ),
    },
    "our ": {
        "plain": (_EMPLOYER,),
        "object": (r"(?:team|colleagues|group|lab|department|squad) at\b",),
        "needs": (r"(?:team|colleagues|group|lab|department) (?:in|from)\b",),
    },
    "at ": {
        "plain": (r"(?:my|our) (?:company|job|work|employer|startup|workplace|day job|office)\b",),
    },
    "where i work": {"plain": (r"\b",)},
    "last year": {
        "plain": (r",? (?:i|we) (?:gave|spoke|talked|presented)\b", rf"'s {_TALK}"),
        "needs": (r" at\b",),  # "last year at PyCon"
    },
    "previous year": {"plain": (r",? (?:i|we) (?:gave|spoke|talked|presented)\b", rf"'s {_TALK}")},
    "talk i gave": {"plain": (r"\b",)},
    "talk we gave": {"plain": (r"\b",)},
    "as i ": {
        "plain": (
            r"(?:said|mentioned|showed|presented|explained|discussed|argued)"
            r" (?:at|in|during|last)\b",
        )
    },
    "like i ": {
        "plain": (
            r"(?:said|mentioned|showed|presented|explained|discussed)"
            r" (?:at|in|during|last)\b",
        )
    },
    "i ": {
        "plain": (
            r"(?:gave|presented|spoke|talked)(?: a talk)? (?:at|in) (?:last|previous)\b",
            rf"(?:gave|presented) (?:a|this|the same|my) {_TALK}",
        ),
        "object": (
            rf"(?:am )?{_WORKING}",
            r"work(?:ed)? (?:at|for)\b",
            r"(?:am )?employed (?:at|by|with)\b",
            r"have been working (?:at|for)\b",
            rf"(?:am|have been|was) {_BE_ROLE}",
            r"(?:co-?)?(?:maintain|created|authored|founded|invented|open[- ]sourced)\b",
            rf"have {_MADE}",
            r"am (?:currently )?maintaining\b",
        ),
        "needs": (
            # "I wrote the library X": the kind of work between the verb and its name.
            r"(?:wrote|built|developed|designed|started) (?:the |a |an |my |our )?(?:own )?"
            r"(?:open[- ]source )?(?:python )?(?:library|package|project|tool|framework|module"
            r"|book|plugin|extension)\b",
            r"(?:joined|wrote|built|developed|designed|started)\b",
            rf"have {_MADE_LOOSELY}",
            r"am (?:a|an|the) [a-z -]{3,40}? at\b",
        ),
    },
    "i'": {
        "object": (
            rf"m {_WORKING}",
            r"m employed (?:at|by|with)\b",
            r"ve been working (?:at|for)\b",
            rf"(?:m|ve been) {_BE_ROLE}",
            rf"ve {_MADE}",
            r"m (?:currently )?maintaining\b",
        ),
        "needs": (rf"ve {_MADE_LOOSELY}", r"m (?:a|an|the) [a-z -]{3,40}? at\b"),
    },
    "as ": {"object": (rf"(?:the |a |an |one of the )?{_ROLE} (?:of|behind)\b",)},
    "we ": {
        "needs": (
            r"at\b",
            r"(?:built|created|developed|wrote|maintain|open[- ]sourced|released)\b",
            rf"have {_MADE_LOOSELY}",
        ),
    },
    "we've ": {"needs": (_MADE_LOOSELY, _MADE)},
    "here ": {"needs": (r"at\b",)},
    "lavoro ": {"object": (r"(?:presso|per)\b",)},
}


def _merge(
    rules: dict[str, dict[str, tuple[str, ...]]], more: dict[str, dict[str, tuple[str, ...]]]
) -> None:
    for lead, groups in more.items():
        mine = rules.setdefault(lead, {})
        for group, rests in groups.items():
            mine[group] = (*mine.get(group, ()), *rests)


# German, Spanish, French and Portuguese (issue 24): phrases_languages.
_merge(_PHRASE_RULES, phrases_languages.RULES)
_PHRASE_PATTERNS = tuple(
    re.compile(
        re.escape(lead)
        + "(?:"
        + "|".join(f"(?P<{group}>{'|'.join(rests)})" for group, rests in groups.items())
        + ")"
    )
    for lead, groups in _PHRASE_RULES.items()
)
_OBJECT_WORD = r"""[`"'*_]*[A-Z0-9](?:[\w&'+-]|\.(?=\w))*[`"'*_]*"""
# Project names are often lower case but shaped like identifiers: f2xparse, parse.js, my_lib.
# Hyphens are left out: "one-off" and "in-house" are far more common than "py-widgets".
# Letters, then a digit or a separator, and each piece can start in one place only: every way
# of matching a string is the same way, so a failing "\b" gives back each character once.
# The earlier form, "[a-z][a-z0-9]*(?:[_.][a-z0-9]+|\d[a-z0-9]*)+", could split a run of digits
# in 2^n ways and took seconds on "I built a" + 23 digits + "_X" (issue 13). Same language, and
# the same (longest) match: checked exhaustively against it on strings up to six characters.
_IDENTIFIER = r"[a-z]+(?:\d[a-z0-9]*(?:[_.][a-z0-9]+)*|(?:[_.][a-z0-9]+)+)\b"
_PROPER_NOUN_RUN = re.compile(
    rf"[ \t]+(?:the[ \t]+)?(?:(?!I\b){_OBJECT_WORD}|{_IDENTIFIER})"
    rf"(?:[ \t]+(?:(?:of|de|and|&|for)[ \t]+)?(?!I\b){_OBJECT_WORD}){{0,4}}"
)
_CODE_OBJECT = re.compile(r"[ \t]+(?:the[ \t]+)?(?:`[^`\n]{1,60}`|\*\*[^*\n]{1,60}\*\*)")
# Both in one pattern, the code span first, as the two were tried in turn: one call per phrase.
_OBJECT = re.compile(f"(?:{_CODE_OBJECT.pattern})|(?:{_PROPER_NOUN_RUN.pattern})")


def _phrase_object_end(original: str, end: int) -> int | None:
    """Where the name right after "I work at" or "I created" ends, if one follows."""
    extension = _OBJECT.match(original, end)
    if extension is None:
        return None
    return end + len(original[end : extension.end()].rstrip(".,;:'\""))


def _phrase_candidates(folded: _Folded) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    original = folded.original
    aligned = folded.origin is None  # then a span of the folded text is one of the original
    phrase = FindingKind.PHRASE
    for pattern in _PHRASE_PATTERNS:
        work.read(len(text))
        count = 0
        for match in pattern.finditer(text):
            count += 1
            start, end = match.span()
            if start > 0 and text[start - 1].isalnum():
                continue  # "my " inside "economy "
            if not aligned:
                start, end = folded.span(start, end)
            if match.lastgroup == "plain":
                yield start, end, phrase
                continue
            # The name right after "I work at" or "I created" is the identifying part.
            object_end = _phrase_object_end(original, end)
            if object_end is not None:
                yield start, object_end, phrase
            elif match.lastgroup == "object":
                yield start, end, phrase
        work.checked(count)
