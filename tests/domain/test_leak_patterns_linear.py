"""No regular expression in the domain layer backtracks exponentially (issue 13).

Python's `re` has no step counter and no timeout, so each pattern runs on inputs built to
trigger catastrophic backtracking under a hard alarm. The bound is not a benchmark: these calls
take microseconds when the pattern is linear, while an exponential pattern needs about 2**50
steps on the smaller size, far past any machine's alarm. A pattern that fails here was slow at
both sizes; the larger one (4n) is there for patterns whose blow-up starts later.

The patterns are found by walking the modules, so a regex added later is covered without
touching this file; the scanner's public entry points run on the same inputs, with speakers
built from them, to reach the patterns compiled per call (names, affiliations, links).
"""

from __future__ import annotations

import functools
import importlib
import itertools
import pkgutil
import re
import signal
import string
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cfp.domain
from cfp.domain import leaks
from cfp.domain.leaks import SpeakerIdentity, phrases

ALARM_SECONDS = 5.0
SIZES = (50, 200)  # n and 4n

# Pathological shapes, by name: each builds the text for a size n.
SHAPES: dict[str, Callable[[int], str]] = {
    "issue 13: letter, digits, _X": lambda n: "a" + "1" * n + "_X",
    "letter, digits, trailing _": lambda n: "a" + "1" * n + "_",
    "letter, digits, trailing .": lambda n: "a" + "1" * n + ".",
    "letters": lambda n: "a" * n,
    "capitals": lambda n: "A" * n,
    "capitals then _": lambda n: "A" * n + "_",
    "mixed case": lambda n: "aA" * n,
    "capitalised words": lambda n: "Ab " * n + "_",
    "digits": lambda n: "1" * n,
    "digit-underscore pairs": lambda n: "a" + "1_" * n + "X",
    "letter-dot pairs": lambda n: "a." * n + "-",
    "letter-underscore pairs": lambda n: "a_" * n + "X",
    "letter-hyphen pairs": lambda n: "a-" * n + "(",
    "digit-dot pairs": lambda n: "1." * n + "!",
    "underscores": lambda n: "_" * n + "a",
    "dots": lambda n: "." * n + "a",
    "hyphens": lambda n: "-" * n + "a",
    "quotes and stars": lambda n: "`\"'*_" * n + "a",
    "spaces then nothing": lambda n: " " * n + "!",
    "tabs and spaces": lambda n: " \t" * n + "x",
    "at signs": lambda n: "x@" * n,
    "handle with dots": lambda n: "@a" + "." * n + " ",
    "handle then server": lambda n: "@a@" + "b." * n + "1",
    "address without tld": lambda n: "a@" + "b." * n + "1",
    "address with hyphens": lambda n: "a@" + "b-" * n,
    "obfuscated address": lambda n: "a [at] b" + " [dot] c" * n + " [dot]",
    "url of dots": lambda n: "http://" + "a." * n,
    "scheme-like run": lambda n: "a+" * n + "://",
    "repeated www": lambda n: "www." * n,
    "bare domains": lambda n: "a.co" * n,
    "domain labels then hyphen": lambda n: "a.com." * n + "-",
    "long label": lambda n: "x" * n + ".com",
    "I built, repeated": lambda n: "I built " * n,
    "I created, repeated": lambda n: "I created " * n,
    "my library, repeated": lambda n: "my library " * n,
    "my library then issue 13": lambda n: "my library a" + "1" * n + "_X",
    "I built then issue 13": lambda n: "I built a" + "1" * n + "_X",
    "we built then dotted digits": lambda n: "we built v" + "1." * n + "_",
    "I work at then capitals": lambda n: "I work at " + "A" * n + "_",
    "I work at then capitalised words": lambda n: "I work at " + "Ab of " * n,
    "I am a ... at": lambda n: "I am a " + "a " * n + "ta",
    "I'm, repeated": lambda n: "I'm " * n,
    "phrase then spaces": lambda n: "I built" + " " * n + "!",
    "phrase then backticks": lambda n: "I built " + "`" * n,
    "phrase then underscores": lambda n: "I built " + "_" * n + "a",
    "my name is, repeated": lambda n: "my name is " * n,
    "apostrophes": lambda n: "a'" * n + "'",
    # What the shadow of the shown text decodes (issue 15).
    "entity openings": lambda n: "&#" * n + "x",
    "hex entity digits": lambda n: "&#x" + "f" * n,
    "named entity letters": lambda n: "&" + "a" * n,
    "broken percent escapes": lambda n: "%4" * n + "%",
    "percent escapes": lambda n: "%41" * n + "%g",
    "punycode label of hyphens": lambda n: "xn--" + "a-" * n + "!",
    "backslashes": lambda n: "\\" * n + "\n",
    "hyphenated line ends": lambda n: "a-" + " \t" * n + "\n" + " " * n + "1",
    "stars and tildes": lambda n: "a*~" * n,
    "right-to-left overrides": lambda n: "\u202ea" * n + "\u202c",
    "invisible letters": lambda n: "a\u200b" * n,
    "look-alike letters": lambda n: "Q\u0443" * n,
}
CASES = [pytest.param(shape, id=name) for name, shape in SHAPES.items()]


def _patterns_in(module: ModuleType) -> Iterator[tuple[str, re.Pattern[str]]]:
    for name, value in vars(module).items():
        if isinstance(value, re.Pattern):
            yield f"{module.__name__}.{name}", value
        elif isinstance(value, tuple | list):
            for index, item in enumerate(value):
                if isinstance(item, re.Pattern):
                    yield f"{module.__name__}.{name}[{index}]", item


def domain_patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled pattern held at module level anywhere in cfp.domain, subpackages too."""
    found: dict[str, re.Pattern[str]] = {}
    for info in pkgutil.walk_packages(cfp.domain.__path__, prefix="cfp.domain."):
        found.update(_patterns_in(importlib.import_module(info.name)))
    return found


PATTERNS = domain_patterns()


class _Runaway(Exception):
    pass


@contextmanager
def alarm(what: str) -> Iterator[None]:
    """Fail the test if the block runs past ALARM_SECONDS; `re` checks signals while matching."""
    assert threading.current_thread() is threading.main_thread(), "SIGALRM needs the main thread"

    def ring(signum: int, frame: FrameType | None) -> None:
        raise _Runaway

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, ALARM_SECONDS)
    try:
        yield
    except _Runaway:
        pytest.fail(f"{what} still running after {ALARM_SECONDS} s: exponential backtracking")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def texts(shape: Callable[[int], str]) -> Iterator[str]:
    """The shape at both sizes, alone, after a space (patterns that start with one) and lower-cased
    (most patterns run on folded text)."""
    for n in SIZES:
        text = shape(n)
        yield from (text, " " + text, text.lower())


def test_the_walk_finds_the_scanner_patterns() -> None:
    assert "cfp.domain.leaks.phrases._PROPER_NOUN_RUN" in PATTERNS
    assert "cfp.domain.leaks.links._EMAIL" in PATTERNS
    assert sum(
        name.startswith("cfp.domain.leaks.phrases._PHRASE_PATTERNS[") for name in PATTERNS
    ) == len(phrases._PHRASE_PATTERNS)


def test_the_walk_reaches_every_module_of_the_scanner_that_compiles_patterns() -> None:
    walked = {name.rsplit(".", 1)[0].split("[")[0] for name in PATTERNS}
    for module in ("folding", "names", "links", "affiliations", "phrases", "visible"):
        assert f"cfp.domain.leaks.{module}" in walked


@pytest.mark.parametrize("shape", CASES)
def test_every_domain_pattern_finishes_on_pathological_input(shape: Callable[[int], str]) -> None:
    for text in texts(shape):
        for name, pattern in PATTERNS.items():
            with alarm(f"{name} on {text[:40]!r}… ({len(text)} chars)"):
                list(pattern.finditer(text))
                pattern.match(text)
                pattern.fullmatch(text)


@pytest.mark.parametrize("shape", CASES)
def test_scanner_finishes_on_pathological_text_and_speakers(shape: Callable[[int], str]) -> None:
    for text in texts(shape):
        # Speakers built from the input reach the patterns compiled per call: name words,
        # affiliations, usernames taken from links.
        odd = SpeakerIdentity(name=text, email=text, affiliation=text, links=(text,))
        for speakers in ((), (SpeakerIdentity(name="Jane Doe", affiliation="Initech"), odd)):
            with alarm(f"scan of {text[:40]!r}… ({len(text)} chars)"):
                findings = leaks.scan(text=text, speakers=speakers)
                leaks.redact_text(text=text, speakers=speakers)
            assert all(0 <= f.start < f.end <= len(text) for f in findings)


# Every phrase opener, in every language, present and future: read from the rules themselves.
OPENER_SHAPES: dict[str, Callable[[str, int], str]] = {
    "repeated": lambda lead, n: lead * n,
    "then words": lambda lead, n: lead + "a " * n + "ta",
    "then capitalised words": lambda lead, n: lead + "Ab " * n + "_",
    "then hyphens": lambda lead, n: lead + "a-" * n + "(",
}
OPENERS = [pytest.param(lead, id=lead.strip() or repr(lead)) for lead in phrases._PHRASE_RULES]


def test_the_openers_are_read_from_the_rules_of_every_language() -> None:
    leads = {p.values[0] for p in OPENERS}
    assert {"i ", "soy ", "ich bin ", "je suis ", "eu trabalho "} <= leads


@pytest.mark.parametrize("lead", OPENERS)
def test_every_phrase_opener_finishes_on_pathological_input(lead: str) -> None:
    for name, build in OPENER_SHAPES.items():
        for text in texts(functools.partial(build, lead)):
            with alarm(f"opener {lead!r} {name} ({len(text)} chars)"):
                for pattern in PATTERNS.values():
                    list(pattern.finditer(text))
                    pattern.match(text)
                leaks.scan(text=text, speakers=())


# The identifier after "I built" / "my library": the rewrite must match the same strings.

_IDENTIFIER = re.compile(phrases._IDENTIFIER)
_LETTERS = frozenset(string.ascii_lowercase)
_SEPARATORS = frozenset("_.")
_MARKS = _SEPARATORS | frozenset(string.digits)  # what makes a word look like an identifier


def _is_identifier(candidate: str) -> bool:
    """The language in words: a lower-case letter, then lower-case letters, digits and single
    separators (not last), with at least one digit or separator after the first letter."""
    first, rest = candidate[:1], candidate[1:]
    return (
        first in _LETTERS
        and set(rest) <= _LETTERS | _MARKS
        and bool(set(rest) & _MARKS)
        and rest[-1:] not in _SEPARATORS
        and not any({a, b} <= _SEPARATORS for a, b in itertools.pairwise(rest))
    )


def _longest_identifier(text: str) -> str | None:
    for end in range(len(text), 0, -1):
        at_boundary = end == len(text) or re.match(r"\w", text[end]) is None
        if at_boundary and _is_identifier(text[:end]):
            return text[:end]
    return None


@given(st.text(alphabet="ab09_.X -é'", max_size=24))
def test_identifier_pattern_takes_the_longest_identifier_prefix(text: str) -> None:
    match = _IDENTIFIER.match(text)

    assert (match.group() if match else None) == _longest_identifier(text)


def test_the_alarm_stops_an_exponential_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    # The checks above prove nothing unless a runaway pattern actually fails them.
    monkeypatch.setattr(sys.modules[__name__], "ALARM_SECONDS", 0.2)
    nested = re.compile(r"(?:a+)+$")

    with (
        pytest.raises(pytest.fail.Exception, match="exponential backtracking"),
        alarm("nested quantifiers"),
    ):
        nested.match("a" * 40 + "!")
