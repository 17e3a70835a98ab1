"""How well the identity-leak scanner does on real, public talk abstracts.

    python bench/leak_scanner.py --data ../shared/data/talks/talks.jsonl.gz \
        --meta ../shared/data/talks/talks_meta.jsonl.gz

The meta file labels each talk with heuristic `leak_signals` (see the data's README). For each
label this prints how many labelled talks the scanner flags with a finding of a matching kind,
how many still show a speaker's full name after redaction, and, over talks with no label at all,
how many the scanner flags for a name: the closest thing to a false-positive rate these labels
allow, since they are lower bounds rather than ground truth.

The scanned text is what reviewers would see: the title and the abstract. Bios are hidden from
reviewers anyway, so `has_speaker_bio` is reported against any finding, for information only.

`--misses LABEL` lists the labelled talks the scanner does not flag, to study (not to hard-code).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cfp.domain import leaks  # noqa: E402

Kind = leaks.FindingKind

# Which of our finding kinds counts as catching each label.
LABEL_KINDS: dict[str, frozenset[leaks.FindingKind]] = {
    "speaker_full_name": frozenset({Kind.NAME}),
    "speaker_name_in_title": frozenset({Kind.NAME}),
    "speaker_surname": frozenset({Kind.NAME}),
    "url_or_handle_with_speaker_name": frozenset({Kind.LINK, Kind.HANDLE, Kind.EMAIL}),
    "profile_link": frozenset({Kind.LINK}),
    "email": frozenset({Kind.EMAIL}),
    "at_handle": frozenset({Kind.HANDLE}),
    "url": frozenset({Kind.LINK}),
    "employer_phrase": frozenset({Kind.PHRASE, Kind.AFFILIATION}),
    "authorship_phrase": frozenset({Kind.PHRASE}),
    "prior_talk_phrase": frozenset({Kind.PHRASE}),
    "has_speaker_bio": frozenset(Kind),
}

# Labels for a name in the text. The scanner reports a name written inside a URL, an email
# address or a handle as that link, address or handle, which is caught all the same.
NAME_LABELS = frozenset({"speaker_full_name", "speaker_name_in_title", "speaker_surname"})

# Minimum share of labelled talks flagged, in percent. The other labels are looser heuristics
# (any URL, any surname-shaped word) that the scanner is right not to follow everywhere.
GOALS: dict[str, float] = {
    "speaker_full_name": 95.0,
    "url_or_handle_with_speaker_name": 95.0,
    "email": 95.0,
    "profile_link": 95.0,
}
UNLABELLED_NAME_GOAL = 3.0

_WORD = re.compile(r"[^\W_]+")
_HONORIFICS = {"dr", "prof", "mr", "mrs", "ms", "phd", "jr", "sr"}


@dataclass(frozen=True, slots=True)
class Talk:
    external_id: str
    text: str
    speakers: tuple[leaks.SpeakerIdentity, ...]
    labels: frozenset[str]


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def load(*, data: Path, meta: Path) -> list[Talk]:
    labels = {row["external_id"]: frozenset(row["leak_signals"]) for row in _lines(meta)}
    talks = []
    for row in _lines(data):
        speakers = tuple(
            leaks.SpeakerIdentity(
                name=s["name"],
                email=s.get("email", ""),
                affiliation=s.get("affiliation", ""),
                links=tuple(s.get("links", ())),
            )
            for s in row["speakers"]
        )
        text = "\n\n".join(
            row[key] for key in ("title", "abstract", "description", "notes") if row.get(key)
        )
        talks.append(
            Talk(row["external_id"], text, speakers, labels.get(row["external_id"], frozenset()))
        )
    return talks


def full_name_patterns(name: str) -> list[re.Pattern[str]]:
    """The name as written and as first + last part, folded, on word boundaries."""
    words = [w for w in _WORD.findall(leaks.fold(text=name)) if w not in _HONORIFICS]
    if len(words) < 2:
        return []
    forms = {tuple(words), (words[0], words[-1])}
    return [
        re.compile(r"(?<![^\W_])" + r"[\s.\-_]*".join(map(re.escape, form)) + r"(?![^\W_])")
        for form in forms
    ]


def shows_full_name(text: str, speakers: tuple[leaks.SpeakerIdentity, ...]) -> bool:
    folded = leaks.fold(text=text)
    return any(p.search(folded) for s in speakers for p in full_name_patterns(s.name))


def _finding_holds_name(label: str, talk: Talk, findings: tuple[leaks.Finding, ...]) -> bool:
    """A name inside a link or an address is reported as that link: it still counts."""
    if label != "speaker_surname":
        return any(shows_full_name(f.text, talk.speakers) for f in findings)
    surnames = [_surname(s.name) for s in talk.speakers]
    return any(
        s and s in leaks.fold(text=f.text) for f in findings for s in surnames if len(s) >= 4
    )


def _surname(name: str) -> str:
    words = [w for w in _WORD.findall(leaks.fold(text=name)) if w not in _HONORIFICS]
    return words[-1] if words else ""


def run(*, data: Path, meta: Path, misses: str | None = None) -> dict[str, Any]:
    """Scan every talk; return the counts per label, the unlabelled rate and the timings."""
    talks = load(data=data, meta=meta)
    started, started_cpu = time.perf_counter(), time.process_time()
    findings = [leaks.scan(text=t.text, speakers=t.speakers) for t in talks]
    scan_seconds = time.perf_counter() - started
    scan_cpu_seconds = time.process_time() - started_cpu
    redacted = [leaks.redact(text=t.text, findings=f) for t, f in zip(talks, findings, strict=True)]
    leftover = [shows_full_name(r, t.speakers) for t, r in zip(talks, redacted, strict=True)]

    labels: dict[str, dict[str, Any]] = {}
    for label, kinds in LABEL_KINDS.items():
        labelled = [i for i, t in enumerate(talks) if label in t.labels]
        flagged = [
            i
            for i in labelled
            if any(f.kind in kinds for f in findings[i])
            or (label in NAME_LABELS and _finding_holds_name(label, talks[i], findings[i]))
        ]
        percent = 100.0 * len(flagged) / len(labelled) if labelled else 100.0
        labels[label] = {
            "kinds": _kinds_column(label, kinds),
            "labelled": len(labelled),
            "flagged": len(flagged),
            "flagged_any": sum(1 for i in labelled if findings[i]),
            "percent": percent,
            "full_name_left": sum(leftover[i] for i in labelled),
            "goal": GOALS.get(label),
        }
        if misses == label:
            for i in sorted(set(labelled) - set(flagged)):
                print(f"--- {talks[i].external_id} {[s.name for s in talks[i].speakers]}")
                print(talks[i].text[:600])

    unlabelled = [i for i, t in enumerate(talks) if not t.labels]
    named = [i for i in unlabelled if any(f.kind is Kind.NAME for f in findings[i])]
    if misses == "unlabelled":
        for i in named:
            texts = [f.text for f in findings[i] if f.kind is Kind.NAME]
            print(f"--- {talks[i].external_id} {[s.name for s in talks[i].speakers]} {texts}")
    return {
        "talks": len(talks),
        "labels": labels,
        "unlabelled": {
            "talks": len(unlabelled),
            "flagged_for_name": len(named),
            "percent": 100.0 * len(named) / len(unlabelled) if unlabelled else 0.0,
            "goal": UNLABELLED_NAME_GOAL,
        },
        "full_name_left": sum(leftover),
        "findings": sum(len(f) for f in findings),
        "scan_seconds": scan_seconds,
        "scan_cpu_seconds": scan_cpu_seconds,
    }


def _kinds_column(label: str, kinds: frozenset[leaks.FindingKind]) -> list[str]:
    if kinds == frozenset(Kind):
        return ["any"]
    names = sorted(k.value for k in kinds)
    return [*names, "or containing it"] if label in NAME_LABELS else names


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def format_table(result: dict[str, Any]) -> str:
    rows = [
        f"{'label':34} {'our kinds':26} {'labelled':>8} {'flagged':>8} {'%':>6} "
        f"{'any kind':>8} {'name left':>9}  goal",
    ]
    for label, row in result["labels"].items():
        goal = row["goal"]
        goal_text = f">= {goal:.0f} % {_verdict(row['percent'] >= goal)}" if goal else ""
        rows.append(
            f"{label:34} {', '.join(row['kinds']):26} {row['labelled']:>8} {row['flagged']:>8} "
            f"{row['percent']:>6.1f} {row['flagged_any']:>8} {row['full_name_left']:>9}  "
            f"{goal_text}"
        )
    unlabelled = result["unlabelled"]
    rows.append(
        f"{'(no label) flagged for a name':34} {'name':26} {unlabelled['talks']:>8} "
        f"{unlabelled['flagged_for_name']:>8} {unlabelled['percent']:>6.1f} {'':>8} {'':>9}  "
        f"<= {unlabelled['goal']:.0f} % {_verdict(unlabelled['percent'] <= unlabelled['goal'])}"
    )
    rows.append("")
    rows.append(
        f"talks scanned: {result['talks']}, findings: {result['findings']}, "
        f"talks still showing a full name after redaction: {result['full_name_left']} "
        f"(goal 0: {_verdict(result['full_name_left'] == 0)})"
    )
    rows.append(
        f"scan time: {result['scan_seconds']:.2f} s wall clock, "
        f"{result['scan_cpu_seconds']:.2f} s CPU (one process, cold caches)"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True, help="talks.jsonl(.gz)")
    parser.add_argument("--meta", type=Path, required=True, help="talks_meta.jsonl(.gz)")
    parser.add_argument(
        "--misses", metavar="LABEL", help="list talks with LABEL that are not flagged"
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    result = run(data=args.data, meta=args.meta, misses=args.misses)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
