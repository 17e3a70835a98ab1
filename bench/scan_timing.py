"""How the identity-leak scanner's time grows with the text, on ordinary and pathological input.

    python bench/scan_timing.py [--sizes 5000 20000 80000] [--repeats 5]

Ordinary prose is made from an invented vocabulary (so no real name or phrase is in it). The
pathological inputs are the shapes that make regular expressions and candidate loops slow: long
runs of word characters, of digits and of separators, runs of capitalised words (name-shaped),
repeated phrase openers ("I built a", "my library", "I work at"), many URLs, many bare domains,
many @handles and many e-mail-shaped strings, the speakers' own names, affiliations and near
misses of them over and over, and the display tricks of a speaker who wants to be recognised
(entities, invisible and look-alike letters, markup, spacing, bidi controls, Markdown links and
HTML that make the scanner read the rendering). Each is cut to exactly the size measured.

Every shape is printed beside ordinary prose of the same size with the ratio; a ratio over 3 is
marked "!!". Times are CPU time of the scanning thread, the fastest of `--repeats` runs, each
shape timed in turns with its ordinary baseline: on a machine shared with other work the wall
clock measures the neighbours, and absolute times vary 2-3× between runs, the ratios much less.
A shape's ratio is to the fastest of the ordinary runs timed in turns with it (as many as its
own): the fastest of all the ordinary runs of a size (the "ordinary" row) is a minimum over
many more samples, and dividing by it made every ratio look a few per cent worse.

Bars (issue 15): growth linear (time at the largest size / time at the size a quarter of it
≤ 4 × 1.5, for ordinary text and for every shape), the worst shape ≤ 3 × ordinary at every size,
and the worst ≤ 50 ms at 20,000 characters.

`leaks.scan` does not render Markdown. A text shown as Markdown (a description) goes through
`leaks.scan_rendered`, which also renders the redaction when the text has link signs, to catch
link syntax the shadow does not model; rendering is what showing the text costs anyway (and
the page reuses it). The last table prints, for the shapes with link signs, `scan_rendered`
beside the Markdown rendering alone, so that cost is in view too.
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

from cfp.domain import leaks, markdown  # noqa: E402
from cfp.domain.leaks import folding, links, names, scanning, visible, work  # noqa: E402

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


# One display trick per name, in turns: entity, zero-width space, markup, spacing, bidi, link.
_DISGUISES: list[Callable[[str], str]] = [
    lambda w: w[:2] + f"&#{ord(w[2])};" + w[3:],
    lambda w: w[:2] + "\u200b" + w[2:],
    lambda w: w[:2] + "**" + w[2:] + "**",
    lambda w: " ".join(w),
    lambda w: "\u202e" + w[::-1] + "\u202c",
    lambda w: f"[{w[:2]}](https://example.org){w[2:]}",
]

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
    "affiliations": _repeat(lambda i: "Quelborn Analytics, Tarrowmere University; "),
    "employer phrases": _repeat(lambda i: f"I work at Quelborn Analytics{i}. "),
    "near-miss names": _repeat(lambda i: "Ottolin Vranck Quaxwort Vranckxe "),
    # Display tricks (what reviewers see is not what was typed).
    "entity-split names": _repeat(lambda i: "Vra&#110;ckx Quax&#x77;orth "),
    "invisible-split names": _repeat(lambda i: "Vra\u200bnckx Qua\u00adxworth "),
    "look-alike names": _repeat(lambda i: "Vr\u0430nck\u0445 Qu\u0430xworth "),
    "markup-split names": _repeat(lambda i: "Vra**nckx** Quax_worth_ "),
    "spaced names": _repeat(lambda i: "V r a n c k x "),
    "bidi names": _repeat(lambda i: "\u202exkcnarV\u202c "),
    "Markdown links": _repeat(lambda i: f"[see {i}](https://kelp{i}.example/p) "),
    "link-split names": _repeat(lambda i: f"[Vra](https://kelp{i}.example)nckx "),
    "unclosed link tails": _repeat(lambda i: f'](kelp{i} "x'),
    "reference tails": _repeat(lambda i: f"[a][b{i}"),
    "HTML tags": _repeat(lambda i: f"<b>word{i}</b> "),
    "ordinary with '<'": lambda size, rng: ordinary(size - 1, rng) + "<",
    "entities": _repeat(lambda i: f"&#{97 + i % 26};"),
    "other scripts": _repeat(lambda i: "Ünïcödé Ελληνικά "),
    # The same tricks denser, mixed and cut by line breaks (each a finding of its own).
    "invisible between letters": _repeat(lambda i: "\u200b".join("Vranckx") + " "),
    "mixed disguises": _repeat(lambda i: _DISGUISES[i % len(_DISGUISES)]("Vranckx") + " "),
    "bidi around links": _repeat(lambda i: f"\u202e[xkc](https://k{i}.example)narV\u202c "),
    "entity in split links": _repeat(lambda i: f"[Vr&#97;](https://kelp{i}.example)nckx "),
    "image-split names": _repeat(lambda i: f"![Vra](https://kelp{i}.example/i.png)nckx "),
    "reference-split names": _repeat(lambda i: f"[Vra][r{i}]nckx "),
    "spaced names, one a line": _repeat(lambda i: "V r a n c k x\n"),
    "handles and names": _repeat(lambda i: f"@h{i} Vranckx "),
    "names in handles": _repeat(lambda i: f"@vranckx{i} "),
    "names in URLs": _repeat(lambda i: f"https://kelp{i}.example/vranckx "),
}


def _forget() -> None:
    """Empty the scanner's caches, so each scan does what the first scan of a text does."""
    visible.shadow.cache_clear()
    visible._SHOWN_SPECIALS.clear()
    scanning._rendered.cache_clear()
    markdown.render_markdown.cache_clear()
    links._cached_url_names.cache_clear()
    links._parts_patterns.cache_clear()
    names._standing_alone.cache_clear()
    links._is_scheme.cache_clear()
    visible._crowd_pattern.cache_clear()
    folding.beyond_ascii.cache_clear()


def _seconds(text: str) -> float:
    # CPU time of this thread: on a shared machine, time spent waiting for a core is not ours.
    _forget()
    start = time.thread_time()
    leaks.scan(text=text, speakers=SPEAKERS)
    return time.thread_time() - start


def run(
    *, sizes: list[int], repeats: int
) -> tuple[dict[int, float], dict[str, dict[int, float]], dict[str, dict[int, float]]]:
    """Ordinary seconds per size, each shape's seconds per size (the fastest of `repeats`), and
    each shape's ordinary seconds per size (the fastest of the runs timed in turns with it).

    Each shape is timed in turns with the ordinary text of its size, so both see the same load
    on a shared machine (caches, frequency); the fastest run is the least disturbed one.
    """
    rng = random.Random(15)
    # Compile the static patterns and fill the scanner's caches before anything is timed.
    leaks.scan(text=ordinary(sizes[0], rng) + " " + SHAPES["URLs"](500, rng), speakers=SPEAKERS)
    base: dict[int, float] = {}
    times: dict[str, dict[int, float]] = {name: {} for name in SHAPES}
    paired: dict[str, dict[int, float]] = {name: {} for name in SHAPES}
    for size in sizes:
        plain = ordinary(size, rng)
        base_runs: list[float] = []
        for name, make in SHAPES.items():
            done = times[name]
            if done and max(done.values()) > GIVE_UP_SECONDS:
                continue
            text = make(size, rng)
            runs: list[float] = []
            turns: list[float] = []
            for _ in range(repeats):
                turns.append(_seconds(plain))
                runs.append(_seconds(text))
                if runs[-1] > GIVE_UP_SECONDS:
                    break
            done[size] = min(runs)
            paired[name][size] = min(turns)
            base_runs += turns
        base[size] = min(base_runs)
    return base, times, paired


def calibrate(*, size: int, repeats: int) -> None:
    """Print what one candidate check costs in characters of a pass (`work.CHECK_CHARS`).

    Ordinary prose is read in passes only (no checks), so it gives the cost of a character of a
    pass; each other shape gives (its time - its characters at that rate) / its checks. Shapes
    that make the scanner render Markdown are left out: the renderer's own work is not counted.
    The tests bound work in these units, so the weight should stay near the median printed.
    """
    rng = random.Random(15)
    rows = []
    for name, make in {"ordinary": ordinary, **SHAPES}.items():
        text = make(size, rng)
        with work.counting() as counted:
            _forget()
            leaks.scan(text=text, speakers=SPEAKERS)
        seconds = min(_seconds(text) for _ in range(repeats))
        rows.append((name, text, counted.chars, counted.checks, seconds))
    _, _, base_chars, _, base_seconds = rows[0]
    per_char = base_seconds / base_chars
    print(
        f"{'input':<24}{'chars read':>12}{'checks':>9}{'ms':>9}{'us/check':>10}{'chars/check':>13}"
    )
    weights = []
    for name, text, chars, checks, seconds in rows:
        cells = f"{name:<24}{chars:>12,}{checks:>9,}{seconds * 1000:>9.2f}"
        if checks >= 500 and not any(sign in text for sign in ("](", "<", "][")):
            per_check = (seconds - chars * per_char) / checks
            weights.append(per_check / per_char)
            cells += f"{per_check * 1e6:>10.2f}{per_check / per_char:>13.0f}"
        print(cells)
    print(
        f"a character of a pass: {per_char * 1e9:.2f} ns; one check = "
        f"{statistics.median(weights):.0f} characters (median; range {min(weights):.0f}-"
        f"{max(weights):.0f}); cfp.domain.leaks.work.CHECK_CHARS = {work.CHECK_CHARS}"
    )


def _print_rendered(*, sizes: list[int], repeats: int) -> None:
    """`scan_rendered` on the shapes a renderer would read, beside the rendering alone."""
    rng = random.Random(15)
    size = 20_000 if 20_000 in sizes else sizes[-1]
    print(
        f"\nMarkdown fields at {size:,} characters: scan_rendered (scan, then the rendering of "
        "the redaction read again) and render_markdown alone, in ms"
    )
    for name, make in {"ordinary": ordinary, **SHAPES}.items():
        text = make(size, rng)
        if not any(sign in text for sign in scanning._LINK_SIGNS):
            continue
        scanned = rendered = float("inf")
        for _ in range(repeats):
            _forget()
            start = time.thread_time()
            leaks.scan_rendered(text=text, speakers=SPEAKERS)
            scanned = min(scanned, time.thread_time() - start)
            markdown.render_markdown.cache_clear()
            start = time.thread_time()
            markdown.render_markdown(text=text)
            rendered = min(rendered, time.thread_time() - start)
        print(f"{name:<24}{scanned * 1000:>10.2f}{rendered * 1000:>10.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000, 80_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--calibrate", action="store_true", help="fit the weight of a check (see `calibrate`)"
    )
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    if args.calibrate:
        calibrate(size=sizes[-1], repeats=args.repeats)
        return 0
    base, times, paired = run(sizes=sizes, repeats=args.repeats)

    print(
        "scan timing: leaks.scan, CPU time, fastest of "
        f"{args.repeats} runs in ms (ratio to ordinary prose of the same size, timed in turns)"
    )
    print(f"{'input':<24}" + "".join(f"{size:>24,}" for size in sizes))
    print(
        f"{'ordinary':<24}"
        + "".join(f"{base[size] * 1000:>14.2f} ({1:>5.1f}×)  " for size in sizes)
    )
    over = 0
    for name, by_size in times.items():
        cells = []
        marked = False
        for size in sizes:
            if size not in by_size:
                cells.append(f"{'(gave up)':>24}")
                marked = True
                continue
            ratio = by_size[size] / paired[name][size]
            flag = " !!" if ratio > WORST_OVER_ORDINARY else "   "
            marked |= ratio > WORST_OVER_ORDINARY
            cells.append(f"{by_size[size] * 1000:>14.2f} ({ratio:>5.1f}×){flag}")
        over += marked
        print(f"{name:<24}" + "".join(cells) + ("  <- over 3× ordinary" if marked else ""))
    print(
        f"{over} of {len(times)} shapes over {WORST_OVER_ORDINARY:.0f}× ordinary at some size (!!)"
    )
    _print_rendered(sizes=sizes, repeats=args.repeats)
    ratios = {
        name: {size: seconds / paired[name][size] for size, seconds in by_size.items()}
        for name, by_size in times.items()
    }
    times = {"ordinary": base, **times}

    ok = True
    # Worst shape per size, by its ratio: a shape given up on counts as infinitely slow.
    for size in sizes:
        ratio, name = max(
            (by_ratio.get(size, float("inf")), name) for name, by_ratio in ratios.items()
        )
        passed = ratio <= WORST_OVER_ORDINARY
        ok &= passed
        seconds = times[name].get(size, float("inf"))
        print(
            f"{'PASS' if passed else 'FAIL'}: worst at {size:,} chars is {name!r}, "
            f"{seconds * 1000:.2f} ms = {ratio:.1f}× ordinary (bar ≤ {WORST_OVER_ORDINARY:.0f}×)"
        )
    if 20_000 in sizes:
        seconds, name = max(
            (by_size.get(20_000, float("inf")), name) for name, by_size in times.items()
        )
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
