"""``aggregate_scores --call SLUG [--sync]``: recompute the call's score snapshot."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from reviews.management.commands._common import call_id
from reviews.services import aggregation


class Command(BaseCommand):
    help = "Recompute calibrated scores: queued for a worker, or here and now with --sync."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--sync", action="store_true", help="Compute in this process.")

    def handle(self, *args: Any, **options: Any) -> None:
        cid = call_id(options["call"])
        if options["sync"]:
            with transaction.atomic():
                aggregation.request_aggregation(call_id=cid, now=timezone.now(), enqueue=False)
            run = aggregation.run_aggregation(call_id=cid, now=timezone.now())
            self.stdout.write(f"Snapshot {run} written.")
        else:
            with transaction.atomic():
                aggregation.request_aggregation(call_id=cid, now=timezone.now(), soon=True)
            self.stdout.write("Aggregation queued.")
