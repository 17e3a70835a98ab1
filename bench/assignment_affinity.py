"""Does the text affinity find what a reviewer knows? Measured on real talks, held out.

    python bench/assignment_affinity.py --talks ../shared/data/talks [--seed 7]

`--talks` is the folder with talks.jsonl.gz and talks_meta.jsonl.gz (never read at run time or
in tests); without it the script says so and exits 0.

Method: speakers with three or more distinct talks stand in for reviewers. For each, one talk
(chosen at random, seeded) is held out and the profile is built from the others (titles and
abstracts, as chairs would attach past talks). The reviewer's affinity (the engine's own TF-IDF,
``reviews.domain.assignment.affinity``) ranks every talk in the corpus; the score is the
percentile of the held-out talk in that ranking (0 % = first). Excluded from each ranking: the
profile's own talks, and near-duplicates of the held-out talk (the same talk given at several
conferences: a TF-IDF cosine >= 0.8 to it, or the same title); profile talks that are
near-duplicates of the held-out one are dropped from the profile too, so the task cannot be
solved by recognising a copy. Speaker names are removed from every text first (reviewers see
redacted proposals; a name in an abstract would otherwise match itself).

Baselines, on the same held-out talks and rankings: random order (expected median 50 %), and
"track only": the data has no tracks, so the talk's topic tags (from the source) stand in; a
talk sharing a tag with the profile ranks before one that shares none, randomly within each
group (talks without tags rank at random).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviews.domain.assignment import affinity  # noqa: E402

DUPLICATE = 0.8


def _lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _strip_names(text: str, names: list[str]) -> str:
    for name in names:
        for part in {p for p in re.split(r"\W+", name) if len(p) >= 3}:
            text = re.sub(rf"\b{re.escape(part)}\b", " ", text, flags=re.IGNORECASE)
    return text


def _percentile(scores: np.ndarray, target: int, allowed: np.ndarray) -> float:
    """Share of allowed talks ranked strictly above the target (ties count half)."""
    pool = scores[allowed]
    above = float((pool > scores[target]).sum()) + 0.5 * float((pool == scores[target]).sum() - 1)
    return above / max(int(allowed.sum()) - 1, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--talks", type=Path, help="folder with talks.jsonl.gz")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--min-talks", type=int, default=3)
    args = parser.parse_args(argv)
    if args.talks is None or not (args.talks / "talks.jsonl.gz").exists():
        print("Affinity on real talks: skipped (pass --talks PATH with talks.jsonl.gz).")
        return 0
    started = time.perf_counter()
    talks = _lines(args.talks / "talks.jsonl.gz")
    meta_path = args.talks / "talks_meta.jsonl.gz"
    tags = {
        m["external_id"]: set(m.get("tags") or ())
        for m in (_lines(meta_path) if meta_path.exists() else [])
    }
    names = [[s["name"] for s in t.get("speakers", [])] for t in talks]
    texts = [
        _strip_names(f"{t['title']}\n{t.get('abstract', '')}", names[i])
        for i, t in enumerate(talks)
    ]
    by_speaker: dict[str, list[int]] = defaultdict(list)
    for i, speaker_names in enumerate(names):
        for name in speaker_names:
            key = " ".join(name.casefold().split())
            if key:
                by_speaker[key].append(i)

    vec = affinity.vectorizer()
    matrix = vec.fit_transform(texts)
    titles = [" ".join(t["title"].casefold().split()) for t in talks]
    rng = random.Random(args.seed)
    rows: list[tuple[int, list[int]]] = []
    for key in sorted(by_speaker):
        own = sorted(set(by_speaker[key]))
        if len(own) < args.min_talks:
            continue
        held = rng.choice(own)
        sims_own = (matrix[own] @ matrix[held].T).toarray().ravel()
        profile = [
            t
            for t, s in zip(own, sims_own, strict=True)
            if t != held and s < DUPLICATE and titles[t] != titles[held]
        ]
        if len(profile) >= 2:
            rows.append((held, profile))
    if not rows:
        print("Affinity on real talks: no speaker with enough distinct talks.")
        return 0

    profiles = ["\n".join(texts[t] for t in profile) for _, profile in rows]
    sims = affinity.affinity_matrix(proposal_texts=texts, profile_texts=profiles)
    n = len(talks)
    ours, rand, track = [], [], []
    for col, (held, profile) in enumerate(rows):
        allowed = np.ones(n, dtype=bool)
        allowed[profile] = False
        dup = (matrix @ matrix[held].T).toarray().ravel() >= DUPLICATE
        dup |= np.array([t == titles[held] for t in titles])
        allowed &= ~dup
        allowed[held] = True
        ours.append(_percentile(sims[:, col].astype(np.float64), held, allowed))
        noise = np.random.default_rng(args.seed + col).random(n)
        rand.append(_percentile(noise, held, allowed))
        wanted = set().union(*(tags.get(talks[t]["external_id"], set()) for t in profile))
        shares = np.array(
            [bool(wanted & tags.get(t["external_id"], set())) for t in talks], dtype=float
        )
        track.append(_percentile(shares + noise * 0.5, held, allowed))

    def row(label: str, values: list[float]) -> str:
        arr = np.array(values)
        median = statistics.median(values) * 100
        top10, top1 = (arr <= 0.10).mean() * 100, (arr <= 0.01).mean() * 100
        return f"| {label} | {median:.1f} % | {top10:.0f} % | {top1:.0f} % |"

    print(
        f"Affinity on real talks: {len(rows)} stand-in reviewers (speakers with "
        f"{args.min_talks}+ distinct talks), {n:,} talks ranked, "
        f"{time.perf_counter() - started:.0f} s"
    )
    print("| ranking | median percentile of the held-out talk | in top 10 % | in top 1 % |")
    print("|---|---|---|---|")
    print(row("TF-IDF affinity (the engine's)", ours))
    print(row("track only (source tags)", track))
    print(row("random", rand))
    verdict = "PASS" if statistics.median(ours) <= 0.10 else "FAIL"
    print(f"{verdict} (target: median percentile in the top 10 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
