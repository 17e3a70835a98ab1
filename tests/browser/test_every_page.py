"""Every URL × role of the access table, in Chromium at 360 px wide, in English and in German.

The list of visits is built from the access table itself (tests/access/*.py), so a URL added to
the table is visited here without anyone touching this file; a table row this file cannot turn
into a visit (an unknown URL parameter or method) fails the test instead of being skipped.

Each role gets one browser context. Every answer's status must match the table. Every page the
browser shows (2xx pages and htmx fragments swapped into a page, 400 forms with their errors,
the first 403/404 page and the first redirect target per role) must:
  - not scroll sideways: document width <= viewport width (tables scroll inside .table-wrap);
  - log no console error (Content-Security-Policy reports included);
  - have no serious or critical axe-core violation.

`scripts/screens.py` (`make screens`) reuses `visits` and `page_problems` for its screenshots.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, get_resolver

from tests import access, factories
from tests.access import ROLES

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

WIDTH = 360
HEIGHT = 780
KINDS = ("GET", "HX GET", "POST", "HX POST")
AXE = Path(settings.BASE_DIR) / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
# Django's admin is internal (config/admin.py): its status is checked like every other row, its
# look is Django's own and outside this project's design system.
LOOK_EXEMPT = frozenset({"admin:*"})


@dataclass(frozen=True)
class Visit:
    name: str
    role: str
    kind: str  # "GET", "HX GET", "POST" or "HX POST"
    url: str
    status: int

    @property
    def method(self) -> str:
        return self.kind.removeprefix("HX ")

    @property
    def htmx(self) -> bool:
        return self.kind.startswith("HX ")


def url_patterns() -> dict[str, URLPattern]:
    from tests.test_access import _names

    return dict(_names(get_resolver()))


def url_params(name: str) -> set[str]:
    if name == "admin:*":
        return set()
    pattern = url_patterns()[name].pattern
    return set(getattr(pattern, "converters", {}))


def unvisitable(
    table: dict[str, dict[str, dict[str, int]]], *, url: Callable[[str], str]
) -> list[str]:
    """Rows this file does not know how to visit: each is a failure, never a silent skip.

    A row is visitable when `url` can fill its URL's parameters (the access test's `_url`, so a
    parameter that test learns is learnt here too) and its methods are ones this file sends.
    """
    problems = []
    for name, rows in table.items():
        try:
            url(name)
        except Exception as exc:  # any failure to build the URL is the finding
            problems.append(f"{name}: cannot build its URL ({type(exc).__name__}: {exc})")
        unknown_kinds = set(rows) - set(KINDS)
        if unknown_kinds:
            problems.append(f"{name}: unknown methods {sorted(unknown_kinds)}")
    return problems


# Writes after which other rows of the same world answer differently (a withdrawn proposal
# cannot be bid on, a recused reviewer gets 404 on its screen): they come last of all.
LAST = frozenset({"logout", "cfp:withdraw", "reviews:recuse"})


def _order(v: Visit) -> tuple[int, str]:
    # Reads first, then writes that leave things as they were (form errors), then writes that
    # succeed, then the ones in LAST.
    if v.name in LAST and v.kind in ("POST", "HX POST"):
        rank = 9
    elif v.kind == "GET":
        rank = 0
    elif v.kind == "HX GET":
        rank = 1
    elif v.status in (200, 400):
        rank = 2
    else:
        rank = 3
    return rank, v.name


def visits(
    table: dict[str, dict[str, dict[str, int]]],
    *,
    url: Callable[[str], str],
    roles: tuple[str, ...] = ROLES,
) -> dict[str, list[Visit]]:
    """Per role, every row of the table as a visit, in an order that keeps the world intact."""
    out: dict[str, list[Visit]] = {}
    for role in roles:
        role_visits = [
            Visit(name=name, role=role, kind=kind, url=url(name), status=rows[kind][role])
            for name, rows in table.items()
            for kind in KINDS
            if kind in rows
        ]
        out[role] = sorted(role_visits, key=_order)
    return out


# --- what the browser checks on a page ----------------------------------------------------------


def overflow(page: Page) -> str | None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > viewport:
        # The outermost elements that stick out and are not inside a scrolling container.
        wide = page.evaluate(
            """(vw) => {
                 const scrolls = (e) => {
                   for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                     if (getComputedStyle(p).overflowX !== 'visible') return true;
                   }
                   return false;
                 };
                 const out = Array.from(document.querySelectorAll('body *'))
                   .filter(e => e.getBoundingClientRect().right > vw + 1 && !scrolls(e));
                 return out.filter(e => !out.includes(e.parentElement)).slice(0, 3)
                   .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (typeof e.className === 'string' && e.className
                        ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
               }""",
            viewport,
        )
        return f"document is {width} px wide at {viewport} px ({', '.join(wide)})"
    return None


def axe_violations(page: Page) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, which the page's CSP does not govern: the page is
    # checked exactly as served, and an injected <script> would itself be a CSP error.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v =>"
        " ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))})))"
    )
    return list(result)


def serious(violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {'; '.join(v['nodes'])}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def page_problems(page: Page) -> list[str]:
    problems = []
    wide = overflow(page)
    if wide:
        problems.append(wide)
    problems.extend(f"axe {s}" for s in serious(axe_violations(page)))
    return problems


@dataclass
class Console:
    """Console errors of one page, with the ones an expected error status explains removed."""

    lines: list[str] = field(default_factory=list)

    def listen(self, page: Page) -> None:
        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                self.lines.append(f"{msg.text} [{msg.location.get('url', '')}]")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.lines.append(f"uncaught: {exc}"))

    def take(self, *, expected_status: int) -> list[str]:
        lines, self.lines = self.lines, []
        if expected_status < 400:
            return lines
        # The browser reports the expected error status itself, and htmx its refusal to swap it.
        return [
            line
            for line in lines
            if f"status of {expected_status}" not in line
            and f"Error Code {expected_status}" not in line
        ]


# --- driving one role through its visits -----------------------------------------------------


def csrf_token(page: Page) -> str:
    headers = page.get_attribute("body", "hx-headers") or "{}"
    return str(json.loads(headers).get("X-CSRFToken", ""))


def is_document(response: Any) -> bool:
    """A whole HTML page: not a file, not plain text, not a bare fragment for htmx."""
    if "text/html" not in (response.headers.get("content-type") or ""):
        return False
    return bool(response.text().lstrip()[:15].lower().startswith("<!doctype html"))


def first_status(response: Any) -> int:
    """The status of the first answer in a redirect chain (what the access table states)."""
    request = response.request
    while request.redirected_from is not None:
        request = request.redirected_from
    first = request.response()
    return int(first.status) if first is not None else int(response.status)


@dataclass
class Outcome:
    visit: Visit
    status: int | None  # None: not requested (see Walker.visit)
    looked_at: str | None  # the URL whose look was checked, if any
    problems: list[str]


class Walker:
    """One role's browser context walking its visits; `look` is called on each page shown."""

    def __init__(
        self, context: BrowserContext, *, look: Callable[[Page, Visit, str], list[str]]
    ) -> None:
        self.context = context
        self.page = context.new_page()
        self.console = Console()
        self.console.listen(self.page)
        self.look = look
        self.seen: set[tuple[int, str]] = set()
        self.pages: dict[str, bool] = {}
        # (method, path) of each htmx control -> the first page it was seen on
        self.controls: dict[tuple[str, str], str] = {}

    def _request_status(self, v: Visit, token: str) -> int:
        headers = {"HX-Request": "true"} if v.htmx else {}
        if v.method == "POST":
            headers["X-CSRFToken"] = token
        response = self.context.request.fetch(
            v.url, method=v.method, headers=headers, max_redirects=0, fail_on_status_code=False
        )
        return int(response.status)

    def _host(self, v: Visit) -> str:
        """A page of the same origin to run htmx or submit a form from: for htmx, a page this
        role was shown with the control that sends the request, if there is one."""
        path = v.url.split("?")[0]
        host = self.controls.get((v.method, path)) if v.htmx else None
        host = host or (v.url if self.pages.get(v.url) else "/")
        if self.page.url.split("#")[0].removeprefix(self._origin()) != host:
            self.page.goto(host)
            self.console.take(expected_status=200)
        return host

    def _origin(self) -> str:
        base = self.page.url.split("/", 3)
        return "/".join(base[:3]) if len(base) >= 3 else ""

    def _worth_a_look(self, v: Visit) -> bool:
        # 405 and 204 answers have no body: nothing to look at.
        if v.name in LOOK_EXEMPT or v.status in (204, 405):
            return False
        if v.status in (200, 400):
            return True
        # Error pages and redirect targets look the same wherever they come from: once per role.
        key = (v.status, v.kind)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def visit(self, v: Visit) -> Outcome:
        if not self._worth_a_look(v):
            # A 405 or 204 (nothing to show), or a 403/404/redirect page this role has already been
            # shown: tests/test_access.py checks its status for every role with the test client.
            return Outcome(v, None, None, [])
        if v.kind == "GET":
            return self._get(v)
        if v.htmx:
            return self._htmx(v)
        return self._post(v)

    def _finish(self, v: Visit, status: int, where: str) -> Outcome:
        problems = self.look(self.page, v, where)
        problems += [f"console: {c}" for c in self.console.take(expected_status=v.status)]
        return Outcome(v, status, where, problems)

    def _get(self, v: Visit) -> Outcome:
        from playwright.sync_api import Error

        try:
            response = self.page.goto(v.url)
        except Error as exc:
            if "Download is starting" not in str(exc):
                raise
            # A file (an export): its status is what counts; there is no page to look at.
            self.page.goto("/")
            self.console.take(expected_status=200)
            return Outcome(v, self._request_status(v, ""), None, [])
        assert response is not None
        status = first_status(response)
        self.pages[v.url] = status == 200
        if status == 200 and is_document(response):
            for method, path in self.page.evaluate(
                """Array.from(document.querySelectorAll('[hx-get],[hx-post]')).map(e =>
                     e.hasAttribute('hx-post') ? ['POST', e.getAttribute('hx-post').split('?')[0]]
                                               : ['GET', e.getAttribute('hx-get').split('?')[0]])"""
            ):
                self.controls.setdefault((method, path), v.url)
        return self._finish_document(v, status, response)

    def _finish_document(self, v: Visit, status: int, response: Any) -> Outcome:
        if not is_document(response):
            # healthz's plain text, or a fragment endpoint posted to without htmx: nothing
            # to look at (Chromium asks for /favicon.ico on such answers; that is not ours).
            self.console.take(expected_status=599)
            return Outcome(v, status, None, [])
        return self._finish(v, status, self.page.url)

    def _post(self, v: Visit) -> Outcome:
        self._host(v)
        with self.page.expect_navigation() as navigation:
            self.page.evaluate(
                """([url, token]) => {
                     const form = document.createElement('form');
                     form.method = 'post';
                     form.action = url;
                     const input = document.createElement('input');
                     input.type = 'hidden';
                     input.name = 'csrfmiddlewaretoken';
                     input.value = token;
                     form.append(input);
                     document.body.append(form);
                     form.submit();
                   }""",
                [v.url, csrf_token(self.page)],
            )
        response = navigation.value
        assert response is not None
        return self._finish_document(v, first_status(response), response)

    def _htmx(self, v: Visit) -> Outcome:
        host = self._host(v)
        path = v.url.split("?")[0]
        with self.page.expect_response(
            lambda r: r.url.split("?")[0].endswith(path) and r.request.method == v.method
        ) as answer:
            # Swap the answer where the page's own control would (its hx-target and hx-swap),
            # sent empty like the access table's requests. Without such a control on the page,
            # into a box of its own (htmx requests that target "main" get the whole page).
            hosted = self.page.evaluate(
                """([method, url, path]) => {
                     const attr = method === 'GET' ? 'hx-get' : 'hx-post';
                     const control = Array.from(document.querySelectorAll('[' + attr + ']'))
                       .find(e => e.getAttribute(attr).split('?')[0] === path);
                     let target = null;
                     let swap = 'innerHTML';
                     if (control) {
                       const holder = control.closest('[hx-target]');
                       const spec = holder ? holder.getAttribute('hx-target') : 'this';
                       if (spec === 'this') target = holder || control;
                       else if (spec.startsWith('closest ')) {
                         target = control.closest(spec.slice(8));
                       } else if (spec.startsWith('find ')) {
                         target = control.querySelector(spec.slice(5));
                       }
                       else target = document.querySelector(spec);
                       const swapper = control.closest('[hx-swap]');
                       if (swapper) swap = swapper.getAttribute('hx-swap');
                     }
                     if (!target) {
                       target = document.getElementById('every-page-swap');
                       if (!target) {
                         target = document.createElement('div');
                         target.id = 'every-page-swap';
                         document.getElementById('main').append(target);
                       }
                       swap = 'innerHTML';
                     }
                     return htmx.ajax(method, url, {source: document.body, target, swap})
                       .then(() => Boolean(control), () => Boolean(control));
                   }""",
                [v.method, v.url, path],
            )
        status = int(answer.value.status)
        answer.value.finished()
        if status >= 300:
            return Outcome(
                v,
                status,
                None,
                [f"console: {c}" for c in self.console.take(expected_status=v.status)],
            )
        outcome = self._finish(v, status, f"{host} + {v.kind} {v.url}")
        if not hosted:
            # Out-of-band parts of a fragment need their page's elements, absent from a stand-in.
            outcome.problems = [p for p in outcome.problems if "oobErrorNoTarget" not in p]
        return outcome


# axe-core is the slow part (~0.5 s a page): a page that several roles see alike (the start page,
# an error page, a form with its errors) is checked once per URL name, kind and status; the
# overflow check, which depends on the role's navigation, runs for every role.
AXE_DONE: set[tuple[str, str, int]] = set()


def check_look(page: Page, v: Visit, where: str) -> list[str]:
    problems = []
    wide = overflow(page)
    if wide:
        problems.append(wide)
    key = (v.name if v.status in (200, 400) else "", v.kind, v.status)
    if key not in AXE_DONE:
        AXE_DONE.add(key)
        problems.extend(f"axe {s}" for s in serious(axe_violations(page)))
    return problems


# --- the test ------------------------------------------------------------------------------------


def fetch_axe() -> Path:
    """axe-core from the npm registry into var/npm (git-ignored), once."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed once to fetch axe-core into var/npm")
        prefix = str(AXE.parents[2])
        subprocess.run(
            [npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE


@pytest.fixture(scope="session")
def axe_ready() -> Path:
    return fetch_axe()


def _world() -> factories.World:
    from tests.test_access import _world_with_extra_roles

    return _world_with_extra_roles()


def _context(
    browser: Browser, live_server: Any, user: Any | None, language: str = "en"
) -> BrowserContext:
    # The browser's language picks the interface's (issue 24): German has the longest strings.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": WIDTH, "height": HEIGHT},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    context.set_default_timeout(15_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


@pytest.mark.django_db
def test_the_every_page_walk_knows_every_row_of_the_access_table() -> None:
    from tests.test_access import _url

    w = _world()
    table = access.merged()
    assert unvisitable(table, url=lambda name: _url(name, w)) == []
    # Both ways of not knowing a row fail it: a method it does not send, a URL it cannot build.
    planted = {**table, "home": {**table["home"], "PATCH": {}}}
    assert unvisitable(planted, url=lambda name: _url(name, w)) == [
        "home: unknown methods ['PATCH']"
    ]
    assert unvisitable(table, url=lambda name: _url("no-such-url", w)) != []


def empty_visits(
    table: dict[str, dict[str, dict[str, int]]], *, url: Callable[[str], str]
) -> list[Visit]:
    """The chair's pages of a call with nothing in it yet: the empty states."""
    return [
        Visit(name=name, role="chair of an empty call", kind="GET", url=url(name), status=200)
        for name, rows in table.items()
        if rows.get("GET", {}).get("chair") == 200 and url_params(name) == {"slug"}
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "de"])
def test_every_page_fits_a_phone_logs_no_error_and_passes_axe(
    browser: Browser, live_server: Any, axe_ready: Path, language: str
) -> None:
    from tests.test_access import _url

    table = access.merged()
    w = _world()
    assert unvisitable(table, url=lambda name: _url(name, w)) == [], "rows it cannot visit"
    plans = visits(table, url=lambda name: _url(name, w), roles=ROLES)
    # other_chair chairs the world's second call, which has no proposals, reviewers or scores.
    empty = factories.World(
        call=w.other_call, other_call=w.call, proposal=w.proposal, users=w.users
    )
    plans["other_chair"] = (
        empty_visits(table, url=lambda name: _url(name, empty)) + plans["other_chair"]
    )
    walkers = {
        role: Walker(
            _context(
                browser,
                live_server,
                None if role == "anonymous" else w.users[role],
                language,
            ),
            look=check_look,
        )
        for role in ROLES
    }
    failures: list[str] = []
    looked = requested = 0
    try:
        # Phase by phase across roles, so no role's write (a recusal, a log-out) comes before
        # another role's read of the same world.
        for phase in sorted({_order(v)[0] for plan in plans.values() for v in plan}):
            for role, plan in plans.items():
                for v in plan:
                    if _order(v)[0] != phase:
                        continue
                    outcome = walkers[role].visit(v)
                    if outcome.status is None:
                        continue
                    requested += 1
                    looked += outcome.looked_at is not None
                    if outcome.status != v.status:
                        failures.append(
                            f"{v.role}: {v.kind} {v.url}: status {outcome.status},"
                            f" table says {v.status}"
                        )
                    failures.extend(
                        f"{v.role}: {v.kind} {v.url} ({outcome.looked_at}): {p}"
                        for p in outcome.problems
                    )
    finally:
        for walker in walkers.values():
            walker.context.close()
    assert looked > 100, f"only {looked} pages looked at"
    assert not failures, f"at {WIDTH} px in {language}:\n" + "\n".join(failures)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_check_of_the_walk_catches_its_planted_problem(
    browser: Browser, live_server: Any, axe_ready: Path
) -> None:
    context = _context(browser, live_server, None)
    page = context.new_page()
    console = Console()
    console.listen(page)
    try:
        page.goto("/")
        assert page_problems(page) == []
        assert console.take(expected_status=200) == []

        # An inline style attribute in swapped markup (what htmx fragments did), a box wider
        # than the phone, an image without a text alternative.
        page.evaluate(
            """() => {
                 const box = document.createElement('div');
                 box.innerHTML = '<p style="color: red">styled inline</p>'
                   + '<img src="/static/favicon.svg">';
                 document.getElementById('main').append(box);
                 const wide = document.createElement('div');
                 wide.style.width = '900px';
                 wide.textContent = 'wide';
                 document.getElementById('main').append(wide);
               }"""
        )
        problems = page_problems(page)
        errors = console.take(expected_status=200)
    finally:
        context.close()

    assert any(p.startswith("document is") for p in problems), problems
    assert any("image-alt" in p for p in problems), problems
    assert any("Content Security Policy" in e for e in errors), errors
