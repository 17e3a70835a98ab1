"""Argument helpers shared by the commands: one-line errors, never a traceback."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cfp.importing import UnableToImport
from reviews.queries import calls

T = TypeVar("T")


def call_id(slug: str) -> int:
    found = calls.call_id_for_slug(slug=slug)
    if found is None:
        raise CommandError(f"No call with the slug {slug!r}.")
    return found


def add_import_arguments(parser: CommandParser) -> None:
    """``PATH --call SLUG [--skip-invalid]``: what every JSON Lines import of this app takes."""
    parser.add_argument("path", type=Path)
    parser.add_argument("--call", required=True)
    parser.add_argument(
        "--skip-invalid", action="store_true", help="Import the good lines of a bad file."
    )


def run_import(command: BaseCommand, importer: Callable[..., T], options: Mapping[str, Any]) -> T:
    """Run one import; its per-line errors go to stderr and a refusal is a one-line error."""
    try:
        result = importer(
            path=options["path"],
            call_slug=options["call"],
            now=timezone.now(),
            skip_invalid=options["skip_invalid"],
        )
    except UnableToImport as exc:
        for error in exc.errors:
            command.stderr.write(str(error))
        raise CommandError(str(exc).splitlines()[0]) from exc
    for error in getattr(result, "skipped", ()):
        command.stderr.write(f"skipped {error}")
    return result
