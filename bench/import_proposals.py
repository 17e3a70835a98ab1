"""How long ``import_proposals`` takes on a real corpus, against the 60-second target.

    python bench/import_proposals.py --data ../shared/data/talks/talks.jsonl.gz [--call SLUG]

Runs in a throwaway SQLite database in a temporary directory (never the project's ``var/``):
migrates it, creates an empty call, imports the file through the management command with
``--create-missing`` (the call starts without formats), then imports it a second time to show
that a re-run finds everything unchanged. Prints both timings, the row counts and PASS or FAIL
for the first import against the target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0


def _setup(var_dir: str) -> None:
    # Settings read these at import: a private SQLite file, tasks in-process, nothing external.
    os.environ["TALKREVIEW_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed_import(path: Path, slug: str) -> tuple[float, str]:
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command(
        "import_proposals", str(path), call=slug, create_missing=True, stdout=out, stderr=err
    )
    elapsed = time.perf_counter() - started
    if err.getvalue():
        print(err.getvalue().rstrip(), file=sys.stderr)
    return elapsed, out.getvalue().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="talks.jsonl or .jsonl.gz")
    parser.add_argument("--call", default="bench-import", help="slug of the throwaway call")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"no such file: {args.data}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="talkreview-bench-") as var_dir:
        _setup(var_dir)
        from cfp import models

        now = dt.datetime.now(dt.UTC)
        models.Call.objects.create(
            slug=args.call,
            name="Import benchmark",
            opens_at=now - dt.timedelta(days=30),
            closes_at=now + dt.timedelta(days=30),
        )
        from django.core.management.base import CommandError

        try:
            first, first_summary = _timed_import(args.data, args.call)
            second, second_summary = _timed_import(args.data, args.call)
        except CommandError as exc:
            print(f"FAIL: the import was refused: {exc}")
            return 1
        proposals = models.Proposal.objects.filter(call__slug=args.call).count()
        speakers = models.Speaker.objects.count()
        flagged = models.Proposal.objects.filter(call__slug=args.call).exclude(findings=[]).count()

    print(f"first import:  {first:6.2f} s  {first_summary}")
    print(f"second import: {second:6.2f} s  {second_summary}")
    print(f"rows: {proposals} proposals, {speakers} speakers, {flagged} with leak findings")
    print(f"rate: {proposals / first:,.0f} proposals/s on the first import")
    verdict = "PASS" if first <= TARGET_SECONDS else "FAIL"
    print(f"{verdict}: first import {first:.2f} s against a target of {TARGET_SECONDS:.0f} s")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
