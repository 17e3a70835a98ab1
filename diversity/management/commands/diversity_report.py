"""``diversity_report --call SLUG --format json|text``: build the call's report, print it.

The output is the published snapshot, as chairs see it on /chair/<slug>/diversity/: aggregates
only, hidden cells as ranges, never a person's answers.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from diversity import queries, services


class Command(BaseCommand):
    help = "Build a call's diversity report (published figures only) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument(
            "--no-build", action="store_true", help="Print the last published report as it is."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_id = queries.call_id_for_slug(slug=options["call"])
        if call_id is None:
            raise CommandError(f"No call with the slug {options['call']!r}.")
        if not options["no_build"]:
            outcome = services.build_report(call_id=call_id, now=timezone.now())
            if outcome is not None and not outcome.built:
                raise CommandError(
                    "The report could not be rebuilt safely; the previous figures stay."
                )
        show_near_cut = queries.chairs_see_identities(call_id=call_id)
        if options["format"] == "json":
            figures = queries.report_figures(call_id=call_id)
            if not show_near_cut:
                for report in figures.values():
                    for dimension in report.get("dimensions", []):
                        for gap in dimension.get("gaps", []):
                            gap["near_cut"] = []
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=1))
            return
        views = queries.report_views(
            call_id=call_id, slug=options["call"], show_near_cut=show_near_cut
        )
        if not views:
            self.stdout.write("No report yet.")
            return
        for view in views:
            self._text(view)

    def _text(self, view: queries.ReportView) -> None:
        title = "Speakers" if view.kind == "speakers" else "Reviewer pool"
        self.stdout.write(f"== {title} (computed {view.computed_at:%Y-%m-%d %H:%M}, k = {view.k})")
        if view.held:
            self.stdout.write(
                f"Self-identification figures held from {view.basis_at:%Y-%m-%d %H:%M}: fewer "
                f"than {view.k} changes since."
            )
        for d in view.dimensions:
            self.stdout.write("")
            kind = "self-identification" if d.protected else "programme"
            self.stdout.write(f"{d.label} ({kind}; counted once per {d.unit_label})")
            width = max([len(r.label) for r in d.rows] + [6])
            header = "".join(f"{c:>18}" for c in d.columns)
            self.stdout.write(f"  {'Answer':<{width}}{header}")
            for r in d.rows:
                cells = "".join(f"{_cell(c):>18}" for c in r.cells)
                target = f"  target {r.target_percent}" if r.target_percent else ""
                self.stdout.write(f"  {r.label:<{width}}{cells}{target}")
            totals = "".join(f"{t:>18}" for t in d.totals)
            self.stdout.write(f"  {'Total':<{width}}{totals}")
            for g in d.gaps:
                self.stdout.write(f"  GAP: {g.explanation}")
                for p in g.near_cut:
                    self.stdout.write(f"    near the cut: {p.code} {p.url}")
        self.stdout.write("")


def _cell(cell: queries.CellView) -> str:
    if cell.hidden:
        if cell.low is not None:
            return f"hidden ({cell.low}-{cell.high})"
        return "hidden"
    return f"{cell.count} ({cell.percent})" if cell.percent else str(cell.count)
