"""``assignments --call SLUG --format json``: every assignment with the reasons it was made.

One JSON object per assignment, in a JSON array: ``{"reviewer": log-in, "proposal": code,
"reasons": [str], "extra": bool}`` (``extra`` marks an extra-review request).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reviews.management.commands._common import call_id
from reviews.queries import assignment_inputs


class Command(BaseCommand):
    help = "Print every assignment of a call with its reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = assignment_inputs.assignment_rows(call_id=call_id(options["call"]))
        self.stdout.write(
            json.dumps(
                [
                    {
                        "reviewer": r.reviewer,
                        "proposal": r.proposal,
                        "reasons": list(r.reasons),
                        "extra": r.extra,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
