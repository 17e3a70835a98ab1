"""Re-take docs/screens/reviewer-screen-1280.png: a reviewer mid-review whose scores and note agree.

    python scripts/reviewer_screen_shot.py [--output docs/screens/reviewer-screen-1280.png]

Seeds a demo like `make screens` (scripts/screens.py: fresh SQLite under var/screens/run/, served by
runserver on a free loopback port), logs in as the demo's reviewer, opens the first assigned
English proposal they have not reviewed yet and scores it from the keyboard only (5, 4, 3, then "c"
and 4 for confidence), types a note that says what those scores say, and takes the screenshot before
saving. The seeded reviews pick their notes at random, which is how the README once showed
"Great fit for beginners" beside 1, 1, 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
sys.path.insert(0, str(BASE / "scripts"))

import screens  # noqa: E402  (after the path: scripts/ is not a package)

KEYS = ("5", "4", "3", "c", "4")
NOTE = (
    "Great fit for beginners: a clear outline, a worked example and a checklist to take home. "
    "Relevant and well structured; the topic itself is less new."
)


def _unreviewed_code(*, call: str, reviewer: str) -> str:
    from reviews import models as review_models

    reviewed = review_models.Review.objects.filter(
        reviewer__username=reviewer, proposal__call__slug=call
    ).values("proposal_id")
    assignment = (
        review_models.Assignment.objects.filter(
            reviewer__username=reviewer, proposal__call__slug=call
        )
        .exclude(proposal_id__in=reviewed)
        .filter(proposal__language="en")  # the note and the text are English
        .select_related("proposal")
        .order_by("pk")
        .first()
    )
    if assignment is None:
        raise SystemExit("the demo's reviewer has no proposal left to review")
    return str(assignment.proposal.code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(BASE / "docs/screens/reviewer-screen-1280.png"))
    args = parser.parse_args()

    shutil.rmtree(screens.RUN, ignore_errors=True)
    screens.RUN.mkdir(parents=True)
    env = {**os.environ, "TALKREVIEW_VAR_DIR": str(screens.RUN), "DJANGO_DEBUG": "0"}
    # The console mail backend would print the seed's e-mails on stdout, before its JSON.
    env["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    screens._manage("migrate", "--noinput", "-v", "0", env=env)
    demo = json.loads(screens._manage("seed_demo", "--json", env=env))
    os.environ.update({k: env[k] for k in ("TALKREVIEW_VAR_DIR", "DJANGO_DEBUG")})
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.conftest import CHROMIUM

    login = next(u for u in demo["users"] if u["role"] == "reviewer")
    code = _unreviewed_code(call=demo["call"], reviewer=login["username"])
    with screens.serve(env) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 1073})
        page = context.new_page()
        screens._log_in(page, username=login["username"], password=login["password"])
        page.goto(f"/review/{demo['call']}/{code}/")
        for key in KEYS:
            page.keyboard.press(key)
        page.locator("#id_comment").fill(NOTE)
        # Back on the confidence segments, as a reviewer would be before pressing "n".
        page.locator('input[name="confidence"]:checked').focus()
        chosen = page.locator(".score:has(input:checked) span").all_inner_texts()
        page.screenshot(path=args.output)
        browser.close()
    print(f"{args.output}: proposal {code}, chosen {chosen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
