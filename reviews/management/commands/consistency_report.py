"""``consistency_report --call SLUG --format json|text``: the consistency experiment's figures.

The same numbers as the chairs' page /chair/<slug>/consistency/: the pools' agreement on
accept/reject with its 90 % interval, the share of proposals both pools accepted, the estimated
re-run change of the shortlist, the plain-language reading, and one verdict per duplicated
proposal (by code).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.domain import consistency
from reviews.management.commands._common import call_id
from reviews.queries import consistency as queries


def _interval(i: consistency.Interval | None) -> dict[str, float] | None:
    if i is None:
        return None
    return {"estimate": round(i.estimate, 4), "low": round(i.low, 4), "high": round(i.high, 4)}


def _pct(i: consistency.Interval | None) -> str:
    if i is None:
        return "n/a"
    return f"{i.estimate:.1%} ({i.low:.1%} to {i.high:.1%})"


class Command(BaseCommand):
    help = "Print the consistency experiment's report for a call."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        page = queries.consistency_page(call_id=call_id(options["call"]))
        if page.report is None:
            raise CommandError("This call has no consistency experiment.")
        r = page.report
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "percent": page.percent,
                        "duplicated": r.duplicated,
                        "compared": r.compared,
                        "level": r.level,
                        "slots": r.slots,
                        "agreement": _interval(r.agreement),
                        "accepted_overlap": None
                        if r.accepted_overlap is None
                        else round(r.accepted_overlap, 4),
                        "rerun_change": _interval(r.rerun_change),
                        "reading": r.reading,
                        "verdicts": [
                            {
                                "proposal": row.code,
                                "pool_a": {"score": row.score_a, "accepted": row.accepted_a},
                                "pool_b": {"score": row.score_b, "accepted": row.accepted_b},
                                "agree": row.agree,
                            }
                            for row in page.rows
                        ],
                    },
                    ensure_ascii=False,
                    indent=1,
                )
            )
            return
        lines = [
            f"Duplicated proposals: {r.duplicated} ({page.percent} %), "
            f"reviewed by both pools: {r.compared}",
            f"Agreement on accept/reject: {_pct(r.agreement)}, {r.level:.0%} interval",
            "Accepted by both, of those accepted by either: "
            + ("n/a" if r.accepted_overlap is None else f"{r.accepted_overlap:.1%}"),
            f"Shortlist change if the committee were run again: {_pct(r.rerun_change)}",
            "",
            r.reading,
        ]
        self.stdout.write("\n".join(lines))
