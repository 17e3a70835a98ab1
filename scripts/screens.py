"""`make screens`: screenshots of every page for every role at 1280 and 360 px in every interface
language, plus axe-core.

    python scripts/screens.py [--languages en,de]   # default: every language of settings.LANGUAGES

Seeds a demo (`seed_demo --json`) into a fresh SQLite database under var/screens/run/, serves it
with `runserver` on a free loopback port, logs in through the log-in form as the demo's speaker,
reviewer and chair (and looks as an anonymous visitor), and visits the same URL × role list as
tests/browser/test_every_page.py (built from the access table). Writes
var/screens/<language>/<width>/<role>--<url name>.png and var/screens/axe-summary.txt
(page, role, language, width, serious, critical, overflow). The language is chosen the way a
visitor's switcher does, by the language cookie (set after logging in through the English form).
Exit status 1 when a page has a serious or critical
violation or scrolls sideways, so the numbers are never ignored by accident.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BASE = Path(__file__).resolve().parent.parent
OUT = BASE / "var" / "screens"
RUN = OUT / "run"
WIDTHS = (1280, 360)
# The access table's columns for the demo's log-ins.
ROLES = {"anonymous": None, "submitter": "submitter", "reviewer": "reviewer", "chair": "chair"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def _wait_for(url: str, server: subprocess.Popen[bytes], *, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            sys.exit(f"the server stopped (exit {server.returncode}); see {OUT / 'server.log'}")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback only
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@contextlib.contextmanager
def serve(env: dict[str, str]) -> Iterator[str]:
    """The seeded demo served by runserver on a free loopback port, its log in var/screens/;
    yields the base URL once /healthz answers, and stops the server afterwards."""
    port = _free_port()
    with (OUT / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_for(base_url + "/healthz", server)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=10)


def _codes(demo: dict[str, Any]) -> dict[str, str]:
    """A proposal code each role can open: the speaker's own, one assigned to the reviewer."""
    from cfp import models as cfp_models
    from reviews import models as review_models

    users = {u["role"]: u["username"] for u in reversed(demo["users"])}
    in_call = cfp_models.Proposal.objects.filter(call__slug=demo["call"])
    own = in_call.filter(owner__username=users["submitter"]).order_by("pk").first()
    assigned = (
        review_models.Assignment.objects.filter(
            reviewer__username=users["reviewer"], proposal__call__slug=demo["call"]
        )
        .order_by("pk")
        .first()
    )
    first = in_call.order_by("pk").first()
    assert first is not None, "the demo has no proposals"
    return {
        "anonymous": first.code,
        "submitter": own.code if own else first.code,
        "reviewer": assigned.proposal.code if assigned else first.code,
        "chair": first.code,
    }


def _user_id(username: str) -> int:
    from django.contrib.auth import get_user_model

    return int(get_user_model().objects.get(username=username).pk)


def _url(name: str, *, values: dict[str, str]) -> str:
    """The URL of a table row in the demo, its parameters filled the way every suite that walks
    the access table fills them (tests.access.url_kwargs), with the demo's call and codes."""
    from django.urls import reverse

    from tests.access import url_kwargs
    from tests.browser.test_every_page import url_params

    if name == "admin:*":
        return "/admin/"
    kwargs = url_kwargs(
        url_params(name),
        slug=values["slug"],
        code=values["code"],
        reviewer_pk=int(values["reviewer_id"]),
        token=values["token"],
    )
    return reverse(name, kwargs=kwargs)


def _log_in(page: Any, *, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--languages", help="comma-separated codes (default: all)")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    RUN.mkdir(parents=True)
    env = {**os.environ, "TALKREVIEW_VAR_DIR": str(RUN), "DJANGO_DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    print("seeding a demo into", RUN)
    _manage("migrate", "--noinput", "-v", "0", env=env)
    demo = json.loads(_manage("seed_demo", "--json", env=env))

    os.environ.update({k: env[k] for k in ("TALKREVIEW_VAR_DIR", "DJANGO_DEBUG")})
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    from django.conf import settings as django_settings
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from tests import access
    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.browser.test_every_page import (
        LOOK_EXEMPT,
        fetch_axe,
        is_document,
        overflow,
        visits,
    )
    from tests.conftest import CHROMIUM

    known = [code for code, _name in django_settings.LANGUAGES]
    languages = args.languages.split(",") if args.languages else known
    unknown = sorted(set(languages) - set(known))
    if unknown:
        print(f"unknown language(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    axe_source = fetch_axe().read_text()
    logins = {u["role"]: u for u in reversed(demo["users"])}
    codes = _codes(demo)
    values = {
        "slug": demo["call"],
        "token": "not-a-valid-token",
        "reviewer_id": str(_user_id(logins["reviewer"]["username"])),
    }
    table = access.merged()

    summary = ["page\trole\tlanguage\twidth\tserious\tcritical\toverflow"]
    bad = 0
    shots = 0
    with serve(env) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language in languages:
            for role, column in ROLES.items():
                plan = visits(
                    table,
                    url=functools.partial(_url, values={**values, "code": codes[role]}),
                    roles=(role if column is None else column,),
                )[role if column is None else column]
                pages = [
                    v
                    for v in plan
                    if v.kind == "GET" and v.status in (200, 400) and v.name not in LOOK_EXEMPT
                ]
                for width in WIDTHS:
                    context = browser.new_context(
                        base_url=base_url, viewport={"width": width, "height": 900}
                    )
                    page = context.new_page()
                    if column is not None:
                        login = logins[column]
                        _log_in(page, username=login["username"], password=login["password"])
                    context.add_cookies(
                        [
                            {
                                "name": django_settings.LANGUAGE_COOKIE_NAME,
                                "value": language,
                                "url": base_url,
                            }
                        ]
                    )
                    folder = OUT / language / str(width)
                    folder.mkdir(parents=True, exist_ok=True)
                    for v in pages:
                        try:
                            response = page.goto(v.url)
                        except PlaywrightError as exc:
                            if "Download is starting" not in str(exc):
                                raise
                            continue  # an export: a file, not a page
                        if response is None or not is_document(response):
                            continue
                        name = v.name.replace(":", "-")
                        page.screenshot(path=str(folder / f"{role}--{name}.png"), full_page=True)
                        shots += 1
                        page.evaluate(axe_source)
                        result = page.evaluate(
                            "axe.run(document, {resultTypes: ['violations']})"
                            ".then(r => r.violations.map(v => v.impact))"
                        )
                        serious = result.count("serious")
                        critical = result.count("critical")
                        wide = overflow(page) or ""
                        bad += bool(serious or critical or wide)
                        summary.append(
                            f"{v.name}\t{role}\t{language}\t{width}\t{serious}\t{critical}\t{wide}"
                        )
                    context.close()
        browser.close()
    (OUT / "axe-summary.txt").write_text("\n".join(summary) + "\n")
    print(f"{shots} screenshots in {OUT}; axe summary in {OUT / 'axe-summary.txt'}")
    print(f"pages with a serious/critical violation or sideways scrolling: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
