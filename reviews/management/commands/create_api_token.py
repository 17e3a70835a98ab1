"""``create_api_token --call SLUG --user LOGIN [--scope read] [--label TEXT]``: print a new token.

The token is printed once, on its own line, and never stored: keep it where the script that uses
it can read it. Only a chair of the call can hold one (docs/api.md); chairs revoke tokens on
/chair/<slug>/api-tokens/.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviews.domain import api_tokens as rules
from reviews.management.commands._common import call_id
from reviews.services import api_tokens


class Command(BaseCommand):
    help = "Make a read-only API token for a chair of the call and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True, help="Slug of the call.")
        parser.add_argument("--user", required=True, help="Log-in of a chair of the call.")
        parser.add_argument(
            "--scope", action="append", choices=rules.SCOPES, help="Repeatable; default: read."
        )
        parser.add_argument("--label", default="", help="What the token is for (shown to chairs).")

    def handle(self, *args: Any, **options: Any) -> None:
        cid = call_id(options["call"])
        try:
            made = api_tokens.create_api_token(
                call_id=cid,
                username=options["user"],
                scopes=tuple(options["scope"] or ("read",)),
                label=options["label"],
                actor_id=None,
                now=timezone.now(),
            )
        except api_tokens.UnableToCreateToken as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(made.secret)
