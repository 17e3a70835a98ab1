"""``diversity_report --call SLUG --format json|text``: build the call's report, print it.

The output is the published snapshot, as chairs see it on /chair/<slug>/diversity/: aggregates
only, hidden cells as ranges, never a person's answers.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone

from cfp import queries as cfp_queries
from diversity.queries import reports
from diversity.services import reports as report_services


class Command(BaseCommand):
    help = "Build a call's diversity report (published figures only) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument(
            "--no-build", action="store_true", help="Print the last published report as it is."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["call"]
        call_id = reports.call_id_for_slug(slug=slug)
        if call_id is None:
            raise CommandError(f"No call with the slug {slug!r}.")
        if not options["no_build"]:
            outcome = report_services.build_report(call_id=call_id, now=timezone.now())
            if outcome is not None and not outcome.built:
                raise CommandError(
                    "The report could not be rebuilt safely; the previous figures stay."
                )
        # After the build: what a chair may see is decided by the call's phase as it is now.
        phase = cfp_queries.call_phase(call_id=call_id)
        if phase is None:
            raise CommandError(f"No call with the slug {slug!r}.")
        if options["format"] == "json":
            figures = reports.chair_figures(call_id=call_id, phase=phase)
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=1))
            return
        views = reports.report_views(call_id=call_id, phase=phase)
        if not views:
            self.stdout.write("No report yet.")
            return
        for view in views:
            self._text(view, slug=slug)

    def _text(self, view: reports.ReportView, *, slug: str) -> None:
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
                for code in g.near_cut:
                    url = reverse("curation:proposal", args=[slug, code])
                    self.stdout.write(f"    near the cut: {code} {url}")
        self.stdout.write("")


def _cell(cell: reports.CellView) -> str:
    if cell.hidden:
        if cell.low is not None:
            return f"hidden ({cell.low}-{cell.high})"
        return "hidden"
    return f"{cell.count} ({cell.percent})" if cell.percent else str(cell.count)
