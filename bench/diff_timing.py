"""How long "what changed since your review" takes to compare a 20,000-word pair.

    python bench/diff_timing.py [--words 20000] [--repeats 5]

The texts are invented (syllables, not words of any language), in paragraphs of 40-160 words.
Shapes: the paragraphs reordered (the case that took 13 s a screen load before issue 15), every
sentence of one long paragraph reordered, every word reordered, and 50 words changed in place
(which must stay word by word). The bar: the worst shape ≤ 100 ms, comparing with
`reviews.domain.textdiff.word_diff` as the reviewer's screen does (one field, a cold cache).
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reviews.domain import textdiff  # noqa: E402

TARGET_MS = 100.0
_SYLLABLES = ("ka", "lo", "mi", "ren", "tu", "vo", "sa", "pel", "dri", "xon", "bu", "fen", "ta")


def _sentences(rng: random.Random, words: int) -> list[str]:
    vocabulary = [
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(3000)
    ]
    out: list[str] = []
    count = 0
    while count < words:
        n = rng.randint(6, 24)
        sentence = " ".join(rng.choice(vocabulary) for _ in range(n))
        out.append(sentence[:1].upper() + sentence[1:] + ".")
        count += n
    return out


def _paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(sentences):
        take = rng.randint(3, 9)
        out.append(" ".join(sentences[index : index + take]))
        index += take
    return out


def pairs(words: int) -> dict[str, tuple[str, str]]:
    rng = random.Random(15)
    sentences = _sentences(rng, words)
    paragraphs = _paragraphs(sentences, rng)
    old = "\n\n".join(paragraphs)
    moved = paragraphs[:]
    rng.shuffle(moved)
    one_paragraph = " ".join(sentences)
    shuffled_sentences = sentences[:]
    rng.shuffle(shuffled_sentences)
    tokens = one_paragraph.split(" ")
    shuffled_words = tokens[:]
    rng.shuffle(shuffled_words)
    edited = old.split(" ")
    for index in rng.sample(range(len(edited)), 50):
        edited[index] = "changed"
    return {
        "paragraphs reordered": (old, "\n\n".join(moved)),
        "sentences reordered": (one_paragraph, " ".join(shuffled_sentences)),
        "words reordered": (one_paragraph, " ".join(shuffled_words)),
        "50 words changed": (old, " ".join(edited)),
    }


def _timed(diff: Callable[[], textdiff.Diff], repeats: int) -> tuple[float, textdiff.Diff]:
    times = []
    result = diff()
    for _ in range(repeats):
        start = time.perf_counter()
        result = diff()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"diff timing: textdiff.word_diff, {args.words:,}-word pairs, median of {args.repeats}")
    print(f"{'shape':<24} {'words':>8} {'ms':>9} {'work':>9} {'coarse':>7}")
    worst = (0.0, "")
    for name, (old, new) in pairs(args.words).items():
        seconds, result = _timed(
            functools.partial(textdiff.word_diff, old=old, new=new), args.repeats
        )
        words = len(old.split())
        print(
            f"{name:<24} {words:>8,} {seconds * 1000:>9.1f} {result.work:>9,} "
            f"{'yes' if result.coarse else 'no':>7}"
        )
        worst = max(worst, (seconds, name))
    seconds, name = worst
    passed = seconds * 1000 <= TARGET_MS
    print(
        f"{'PASS' if passed else 'FAIL'}: worst {name!r} {seconds * 1000:.1f} ms "
        f"(bar ≤ {TARGET_MS:.0f} ms for a {args.words:,}-word pair; budget "
        f"{textdiff.MAX_WORK:,} comparisons)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
