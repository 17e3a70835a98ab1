"""How many disguised identities reach reviewers, per class of trick (issue 15).

For each class, invents speakers (names from syllables, a handle, a company), hides one of their
identity words in filler text with that trick (the affiliation sometimes with another suffix),
redacts with the scanner and reads the result as a reviewer's browser shows it, with the test
suite's independent checker (tests/domain/test_leaks_shown.py). Prints, per class, how many
cases showed a token before redaction (the checker sees the trick) and how many still did after;
"combined" chains case, look-alikes and a split. Exits 1 if any case leaked.

    python bench/leak_attacks.py [--cases 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cfp.domain import leaks
from cfp.domain.leaks import SpeakerIdentity
from tests.domain.test_leaks_shown import (
    CYRILLIC,
    FILLER,
    INVISIBLE,
    SYLLABLES,
    identity_tokens,
    leaked,
)

Trick = Callable[[random.Random, str], str]


def _at(rng: random.Random, token: str) -> int:
    return rng.randint(1, max(1, len(token) - 1))


def _entity(rng: random.Random, token: str) -> str:
    at = _at(rng, token)
    code = ord(token[at])
    return token[:at] + rng.choice([f"&#{code};", f"&#x{code:x};"]) + token[at + 1 :]


def _invisible(rng: random.Random, token: str) -> str:
    at = _at(rng, token)
    return token[:at] + rng.choice(INVISIBLE) + token[at:]


def _look_alike(rng: random.Random, token: str) -> str:
    return token.translate(str.maketrans(CYRILLIC))


def _markup(rng: random.Random, token: str) -> str:
    at = _at(rng, token)
    mark = rng.choice(["**", "*", "`", "_"])
    return token[:at] + mark + token[at:] + mark


def _line_break(rng: random.Random, token: str) -> str:
    at = _at(rng, token)
    return token[:at] + rng.choice(["\\\n", "-\n"]) + token[at:]


def _spacing(rng: random.Random, token: str) -> str:
    return rng.choice([" ", ".", "-"]).join(token)


def _case(rng: random.Random, token: str) -> str:
    return rng.choice([token.upper(), token.swapcase()])


def _bidi(rng: random.Random, token: str) -> str:
    return "\u202e" + token[::-1] + "\u202c"


def _link_text(rng: random.Random, token: str) -> str:
    at = _at(rng, token)
    return f"[{token[:at]}](https://example.org){token[at:]}"


def _link_target(rng: random.Random, token: str) -> str:
    """The token in a link's target, some letters as entities or percent-escapes."""
    host = rng.choice(["github.com", "gitlab.com", "twitter.com", "example.org"])
    path = "".join(
        rng.choice([c, f"&#{ord(c)};", f"%{ord(c):02X}"]) if c.isascii() else c for c in token
    )
    return f"[slides](https://{host}/{path})"


def _combined(rng: random.Random, token: str) -> str:
    """Two or three tricks at once: case and look-alikes, then one that splits the word."""
    if rng.random() < 0.5:
        token = _case(rng, token)
    token = _look_alike(rng, token)
    split = rng.choice([_entity, _invisible, _markup, _line_break, _spacing, _link_text])
    token = split(rng, token)
    return _invisible(rng, token) if split is not _entity and rng.random() < 0.5 else token


CLASSES: dict[str, Trick] = {
    "HTML entities": _entity,
    "invisible characters": _invisible,
    "look-alike letters": _look_alike,
    "markup splits": _markup,
    "line breaks": _line_break,
    "spacing": _spacing,
    "case": _case,
    "bidirectional controls": _bidi,
    "link text splits": _link_text,
    "link targets": _link_target,
    "combined": _combined,
}


def _speaker(rng: random.Random) -> tuple[SpeakerIdentity, str]:
    given = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
    handle = (given[0] + surname[:4]).lower()
    company = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
    speaker = SpeakerIdentity(
        name=f"{given} {surname}",
        affiliation=f"{company} Systems GmbH",
        links=(f"https://github.com/{handle}",),
    )
    return speaker, handle


def run(*, cases: int, seed: int) -> int:
    rng = random.Random(seed)
    # "shown": cases whose unredacted text shows a token to the checker (the attack works, so
    # the checker can see it); "leaked": cases still showing one after redaction.
    print(f"{'class':<26}{'cases':>7}{'shown':>7}{'leaked':>8}   scan ms (mean)")
    total_leaked = 0
    for name, trick in CLASSES.items():
        leaks_found = 0
        shown_before = 0
        spent = 0.0
        for _ in range(cases):
            speaker, handle = _speaker(rng)
            given, surname = speaker.name.split()
            company = speaker.affiliation.split()[0]
            target = rng.choice([surname, given, handle, company])
            words = [rng.choice(FILLER) for _ in range(rng.randint(3, 12))]
            shown = trick(rng, target)
            if target == company and rng.random() < 0.5:
                # The affiliation as the speaker varies it: another suffix, or none.
                shown += " " + rng.choice(["Widgets", "Labs", "AG", "Research", ""])
            words.insert(rng.randint(0, len(words)), shown.rstrip())
            text = " ".join(words) + "."
            tokens = identity_tokens(speaker, handle)
            shown_before += bool(leaked(text, tokens))
            started = time.perf_counter()
            redacted = leaks.redact_text(text=text, speakers=[speaker])
            spent += time.perf_counter() - started
            if leaked(redacted, tokens):
                leaks_found += 1
        total_leaked += leaks_found
        print(f"{name:<26}{cases:>7}{shown_before:>7}{leaks_found:>8}   {1000 * spent / cases:.2f}")
    print(f"{'all classes':<26}{cases * len(CLASSES):>7}{'':>7}{total_leaked:>8}")
    return total_leaked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    leaked_total = run(cases=args.cases, seed=args.seed)
    if leaked_total:
        print(f"FAIL: {leaked_total} disguised identities reached a reviewer (bar: 0)")
        sys.exit(1)
    print("PASS: no disguised identity reached a reviewer")


if __name__ == "__main__":
    main()
