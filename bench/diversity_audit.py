"""Time the release audit (``diversity.domain.gate``, issue 16) over a growing history.

The synthetic call of ``bench/diversity_report.py`` (10,000 proposals, about 15,600 speakers,
three self-identification questions): a first release, then refreshes of 40 acceptances and 10
withdrawn answers each, every refresh audited with all earlier releases by integer programs.
Beside each gate time it prints, from the same run, the time of the report build it gates
(``funnel.build_report``): the baseline the audit adds to. The build runs in the Celery task
``diversity.build_report``, never on a page view; the target is the report's own: the gate of
the newest refresh within 2 s of CPU.

    python bench/diversity_audit.py [--proposals N] [--refreshes 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import diversity_report as base
from diversity.domain import disclosure, funnel, gate

TARGET_SECONDS = 2.0
K = base.K


def _epochs(units: list[funnel.Unit], generation: dict[str, int]) -> dict[str, dict[str, str]]:
    return {
        d.slug: {u.key: str(generation.get(u.key, 0)) for u in units if u.values.get(d.slug, "")}
        for d in base.DIMENSIONS
        if d.protected
    }


def run(*, proposals: int, refreshes: int) -> dict[str, object]:
    units = base.synthetic_call(proposals=proposals)
    protected = [d for d in base.DIMENSIONS if d.protected]
    history: list[disclosure.Release] = []
    previous: funnel.PublishedReport | None = None
    generation: dict[str, int] = {}
    rows = []
    for step in range(refreshes + 1):
        changed: dict[str, set[str]] = {}
        if step:
            units, changed = base.later(units, seed=step)
            for keys in changed.values():
                for key in keys:
                    generation[key] = generation.get(key, 0) + 1
        epochs = _epochs(units, generation)
        cpu = time.process_time()
        report = funnel.build_report(
            units=units,
            dimensions=protected,
            targets={},
            k=K,
            previous=previous,
            answers_changed=changed if previous is not None else None,
        )
        build_cpu = time.process_time() - cpu
        cpu = time.process_time()
        outcome = gate.gate(
            report=report,
            previous=previous,
            units=units,
            person_of={u.key: u.key for u in units},
            epochs=epochs,
            history=history,
            label=str(step),
            k=K,
            targets={},
            alpha=funnel.DEFAULT_ALPHA,
        )
        gate_cpu = time.process_time() - cpu
        rows.append(
            {
                "release": step,
                "history": len(history),
                "build_cpu_seconds": round(build_cpu, 3),
                "gate_cpu_seconds": round(gate_cpu, 3),
                "extra_hidden": outcome.extra_hidden,
                "held": outcome.report.held,
            }
        )
        if outcome.release is not None:
            history.append(outcome.release)
            previous = outcome.report.snapshot
    newest = rows[-1]["gate_cpu_seconds"]
    return {
        "proposals": proposals,
        "units": len(units),
        "questions": len(protected),
        "releases": rows,
        "target_seconds": TARGET_SECONDS,
        "within_target": isinstance(newest, float) and newest <= TARGET_SECONDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--refreshes", type=int, default=5)
    args = parser.parse_args()
    result = run(proposals=args.proposals, refreshes=args.refreshes)
    print(json.dumps(result, indent=2))
    if not result["within_target"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
