"""How the identity-leak scanner's time grows with the text, on ordinary and pathological input.

    python bench/scan_timing.py [--sizes 5000 20000 80000] [--repeats 5]

Ordinary prose is made from an invented vocabulary (so no real name or phrase is in it). The
pathological inputs are the shapes that make regular expressions and candidate loops slow: long
runs of word characters, of digits and of separators, runs of capitalised words (name-shaped),
repeated phrase openers ("I built a", "my library", "I work at"), many URLs, many bare domains,
many @handles and many e-mail-shaped strings, and the speakers' own name parts over and over.
Each is cut to exactly the size measured; the WORST of them is compared with ordinary prose.

Bars (issue 15): growth linear (time at the largest size / time at the size a quarter of it
≤ 4 × 1.5, for ordinary text and for every shape), the worst shape ≤ 3 × ordinary at every size,
and the worst ≤ 50 ms at 20,000 characters. The median of `--repeats` runs is used; absolute
times vary 2-3× between runs on these machines, the ratios much less.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cfp.domain import leaks  # noqa: E402

SPEAKERS = (
    leaks.SpeakerIdentity(
        name="Ottoline Vranckx",
        email="ottoline@vranckx-mail.example",
        affiliation="Quelborn Analytics",
        links=("https://github.com/ovranckx", "https://ovranckx.example.org"),
    ),
    leaks.SpeakerIdentity(name="Bertilde Quaxworth", affiliation="Tarrowmere University"),
)
GROWTH_SLACK = 1.5
WORST_OVER_ORDINARY = 3.0
WORST_MS_AT_20000 = 50.0
# A shape this slow at one size is not run again at the next: the verdict is FAIL already.
GIVE_UP_SECONDS = 5.0

_SYLLABLES = ("ka", "lo", "mi", "ren", "tu", "vo", "sa", "pel", "dri", "xon", "bu", "fen", "ta")


def _vocabulary(rng: random.Random) -> list[str]:
    return ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(2000)]


def ordinary(size: int, rng: random.Random) -> str:
    """Sentences of 6-24 invented words, capitalised, in paragraphs of 3-7 sentences."""
    words = _vocabulary(rng)
    out: list[str] = []
    length = 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 24)))
            sentences.append(sentence[:1].upper() + sentence[1:] + rng.choice(".,;.?!")[:1])
        paragraph = " ".join(sentences)
        out.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(out)[:size]


def _repeat(unit: Callable[[int], str]) -> Callable[[int, random.Random], str]:
    def make(size: int, rng: random.Random) -> str:
        parts: list[str] = []
        length = 0
        index = 0
        while length < size:
            part = unit(index)
            parts.append(part)
            length += len(part)
            index += 1
        return "".join(parts)[:size]

    return make


SHAPES: dict[str, Callable[[int, random.Random], str]] = {
    "word characters": lambda size, rng: "a" * size,
    "letters and digits": _repeat(lambda i: "x7q2"),
    "digits": lambda size, rng: "1" * size,
    "separators": _repeat(lambda i: "-._/ "),
    "dotted words": _repeat(lambda i: "a."),
    "hyphenated words": _repeat(lambda i: "a-"),
    "capitals": _repeat(lambda i: f"Quor{i % 97} "),
    "capitalised words": _repeat(lambda i: "Bralt Venn "),
    "'I built a'": _repeat(lambda i: "I built a "),
    "'my library'": _repeat(lambda i: "my library "),
    "'I work at'": _repeat(lambda i: "I work at "),
    "URLs": _repeat(lambda i: f"https://kelp{i}.example/p/{i} "),
    "profile URLs": _repeat(lambda i: f"https://github.com/user{i} "),
    "bare domains": _repeat(lambda i: f"site{i}.io "),
    "@handles": _repeat(lambda i: f"@handle{i} "),
    "e-mail shapes": _repeat(lambda i: f"x{i}@y{i}. "),
    "at signs": lambda size, rng: "@" * size,
    "speaker names": _repeat(lambda i: "Ottoline Vranckx, Quaxworth; "),
}


def _seconds(text: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        leaks.scan(text=text, speakers=SPEAKERS)
        times.append(time.perf_counter() - start)
        if times[-1] > GIVE_UP_SECONDS:
            break
    return statistics.median(times)


def run(*, sizes: list[int], repeats: int) -> dict[str, dict[int, float]]:
    rng = random.Random(15)
    shapes: dict[str, Callable[[int, random.Random], str]] = {"ordinary": ordinary, **SHAPES}
    times: dict[str, dict[int, float]] = {name: {} for name in shapes}
    # Compile the static patterns and fill the scanner's caches before anything is timed.
    leaks.scan(text=ordinary(sizes[0], rng) + " " + SHAPES["URLs"](500, rng), speakers=SPEAKERS)
    for size in sizes:
        for name, make in shapes.items():
            done = times[name]
            if done and max(done.values()) > GIVE_UP_SECONDS:
                continue
            done[size] = _seconds(make(size, rng), repeats)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000, 80_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    times = run(sizes=sizes, repeats=args.repeats)
    base = times["ordinary"]

    print("scan timing: leaks.scan, median ms (ratio to ordinary prose of the same size)")
    print(f"{'input':<22}" + "".join(f"{size:>22,}" for size in sizes))
    for name, by_size in times.items():
        cells = []
        for size in sizes:
            if size not in by_size:
                cells.append(f"{'(gave up)':>22}")
                continue
            ms = by_size[size] * 1000
            cells.append(f"{ms:>12.2f} ({by_size[size] / base[size]:>5.1f}×)")
        print(f"{name:<22}" + "".join(cells))

    ok = True
    # Worst shape per size: a shape given up on counts as infinitely slow.
    worst = {
        size: max(
            ((by_size.get(size, float("inf")), name) for name, by_size in times.items()),
        )
        for size in sizes
    }
    for size in sizes:
        seconds, name = worst[size]
        ratio = seconds / base[size]
        passed = ratio <= WORST_OVER_ORDINARY
        ok &= passed
        print(
            f"{'PASS' if passed else 'FAIL'}: worst at {size:,} chars is {name!r}, "
            f"{seconds * 1000:.2f} ms = {ratio:.1f}× ordinary (bar ≤ {WORST_OVER_ORDINARY:.0f}×)"
        )
    if 20_000 in worst:
        seconds, name = worst[20_000]
        passed = seconds * 1000 <= WORST_MS_AT_20000
        ok &= passed
        print(
            f"{'PASS' if passed else 'FAIL'}: worst at 20,000 chars ({name!r}) "
            f"{seconds * 1000:.2f} ms (bar ≤ {WORST_MS_AT_20000:.0f} ms)"
        )
    big = sizes[-1]
    small = max((s for s in sizes if s <= big // 4), default=sizes[0])
    if small < big:
        bound = big / small * GROWTH_SLACK
        growth = sorted(
            (
                (by_size.get(big, float("inf")) / by_size[small], name)
                for name, by_size in times.items()
                if small in by_size
            ),
            reverse=True,
        )
        factor, name = growth[0]
        passed = factor <= bound
        ok &= passed
        print(
            f"{'PASS' if passed else 'FAIL'}: growth {small:,} → {big:,} chars: worst {name!r} "
            f"×{factor:.1f}, ordinary ×{base[big] / base[small]:.1f} "
            f"(linear is ×{big / small:.0f}; bar ≤ ×{bound:.0f})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
