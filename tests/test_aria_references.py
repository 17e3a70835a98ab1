"""Every id that a page's markup points at exists on that page.

A field in error gets ``aria-invalid="true"`` and ``aria-describedby="<auto_id>_error"`` from
Django (``BoundField.build_widget_attrs``), plus ``<auto_id>_helptext`` when it has help text
(neither on widgets that render as a fieldset: radios, checkbox lists). ``auto_id`` carries the
form's prefix (``id_accepted-subject``). Screen readers read the element with that id along with
the field; if no element carries it, the message is silent. The same holds for
``aria-labelledby``, ``aria-controls``, ``aria-errormessage`` and ``<label for>``.

The pages are the ones the access table and the security suite already know:

* every GET page of the access table as a role that sees it, plain and htmx, blind and (for
  chairs) after the reveal;
* every POST endpoint of the fuzz suite, posted empty, with every field invalid at once and with
  one field invalid at a time, plain and htmx (the settings sections also with a row open);
* the pages that read a query string, with values their filter forms refuse, and the settings
  page with each kind of row open for editing;
* the new-password form behind a real reset link.

An htmx answer is a fragment swapped into the page it came from: an id it points at may live in
that page (a section's heading), so fragments are checked against themselves plus that page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from diversity import services as diversity_services
from tests.access import ROLES, derived, merged
from tests.security.conftest import SecurityWorld, body, security_world
from tests.security.test_fuzz_forms import (
    BY_NAME,
    ENDPOINTS,
    TABLE_TOKEN,
    Endpoint,
    Form,
    _row_ids,
    plain_form,
    post,
    url,
)
from tests.security.test_fuzz_params import PAGES as QUERY_PAGES
from tests.security.test_fuzz_params import page_url

pytestmark = pytest.mark.django_db

REFERENCE_ATTRIBUTES = frozenset(
    {"aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage"}
)
# A value no field of the site accepts: Django refuses NUL in text, choices and numbers.
INVALID = "\x00"
# Keys that steer a view rather than fill a field: kept valid so the form is the one shown.
STEERING = frozenset({"action", "row", "next", "next_code", "token"})
STEERING_BY_ENDPOINT = {"curation:emails": frozenset({"status"})}
# The admin is Django's and internal (as for the template guard).
SKIPPED = frozenset({"admin:*"})
SECTIONS = ("formats", "tracks", "criteria", "questions")
# Known defects outside this test's subject, reported and left for their owner: (page, htmx).
KNOWN: dict[tuple[str, bool], str] = {}


# --- parsing ----------------------------------------------------------------------------------


@dataclass
class References:
    ids: Counter[str] = field(default_factory=Counter)
    # (element, attribute, id) for every id the markup points at.
    pointers: list[tuple[str, str, str]] = field(default_factory=list)
    fields_in_error: int = 0

    def unread_errors(self) -> list[str]:
        """Error containers (Django's "<auto_id>_error") that no field's description names: a
        screen reader on the field would not hear its message."""
        described = {ref for _tag, attr, ref in self.pointers if attr == "aria-describedby"}
        return [
            f"error message {name!r}: no field's aria-describedby names it"
            for name in self.ids
            if name.endswith("_error") and name not in described
        ]

    def dangling(self, also: Counter[str] | None = None) -> list[str]:
        known = self.ids + (also or Counter())
        return [
            f"<{tag} {attr}={ref!r}>: no element has this id" if ref else f"<{tag} {attr}>: empty"
            for tag, attr, ref in self.pointers
            if not ref or ref not in known
        ]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = References()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.found.ids[value] += 1
            elif name in REFERENCE_ATTRIBUTES:
                # A list of ids; an attribute that is there but empty points at nothing.
                refs = (value or "").split() or [""]
                self.found.pointers.extend((tag, name, ref) for ref in refs)
            elif name == "for" and tag == "label":
                self.found.pointers.append((tag, name, value or ""))
            elif name == "aria-invalid" and value == "true":
                self.found.fields_in_error += 1
            elif name == "class" and "has-error" in (value or "").split():
                # Our templates' mark of a field in error (some inputs are written by hand).
                self.found.fields_in_error += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def references(html: str) -> References:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.found


# --- fetching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    where: str
    status: int
    html: str
    htmx: bool
    # The page an htmx fragment is swapped into (its ids count), or "" for a whole page.
    host_html: str = ""

    @property
    def refs(self) -> References:
        return references(self.html)

    def problems(self) -> list[str]:
        host = references(self.host_html).ids if self.host_html else None
        refs = self.refs
        return [f"{self.where}: {d}" for d in [*refs.dangling(host), *refs.unread_errors()]]


def _html(response: HttpResponseBase) -> str:
    is_html = str(response.get("Content-Type", "")).startswith("text/html")
    return body(response) if is_html else ""


def _rolled_back_get(client: Client, target: str, *, htmx: bool) -> HttpResponseBase:
    cache.clear()
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():
        response = client.get(target, headers=headers)
        transaction.set_rollback(True)
    return response


def _label(method: str, target: str, role: str, htmx: bool) -> str:
    return f"{method} {target} as {role}{' (htmx)' if htmx else ''}"


# Endpoints whose htmx answers land in another URL's page (the endpoint itself has no page).
HOST_PAGES = {"reviews:bid": "reviews:bids", "chair:bulk_decide": "chair:shortlist"}


class Crawler:
    """Fetches pages of one world; each request is rolled back, so all start from the world."""

    def __init__(self, w: SecurityWorld) -> None:
        self.w = w
        self._hosts: dict[tuple[str, str], str] = {}

    def host(self, name: str, role: str) -> str:
        """The whole page an htmx answer of ``name`` lands in, as ``role`` sees it: the URL's
        own page without htmx, where there is one."""
        key = (name, role)
        if key not in self._hosts:
            page_name = HOST_PAGES.get(name, name)
            response = _rolled_back_get(self.w.client(role), self.page(page_name), htmx=False)
            self._hosts[key] = _html(response) if response.status_code == 200 else ""
        return self._hosts[key]

    def page(self, name: str) -> str:
        # A form endpoint's own URL carries the token that opens it (an invitation link).
        return url(BY_NAME[name], self.w) if name in BY_NAME else page_url(name, self.w)

    def get(self, name: str, role: str, *, query: str = "", htmx: bool) -> Fetched:
        target = self.page(name) + (f"?{query}" if query else "")
        response = _rolled_back_get(self.w.client(role), target, htmx=htmx)
        return Fetched(
            _label("GET", target, role, htmx),
            response.status_code,
            _html(response),
            htmx,
            self.host(name, role) if htmx else "",
        )

    def post(self, endpoint: Endpoint, form: Form, *, label: str, htmx: bool) -> Fetched:
        cache.clear()
        with transaction.atomic():
            response = post(self.w, endpoint, form, htmx=htmx)
            transaction.set_rollback(True)
        where = _label("POST", url(endpoint, self.w), endpoint.role, htmx) + f", {label}"
        host = self.host(endpoint.name, endpoint.role) if htmx else ""
        return Fetched(where, response.status_code, _html(response), htmx, host)


def _world(*, revealed: bool = False, endpoint: Endpoint | None = None) -> SecurityWorld:
    w = security_world()
    # A published report: the targets form has groups to choose from.
    diversity_services.build_report(call_id=w.call.pk, now=timezone.now())
    if endpoint is not None and endpoint.prepare is not None:
        # The rows the endpoint acts on (a draft, a thread, a tag, a mentor and their session),
        # as the fuzz suite makes them: without them the URL names no row and answers 404.
        endpoint.prepare(w)
    if revealed:
        w.call.identities_revealed_at = timezone.now()
        w.call.save(update_fields=["identities_revealed_at"])
    return w


def _get_role(rows: Mapping[str, Mapping[str, int]], name: str) -> str | None:
    """Who sees the page: the fuzz suite's role for a form, else the first role with a 200."""
    if name in BY_NAME:
        return BY_NAME[name].role
    for role in (*ROLES, *PREPARED_ROLES):
        if 200 in (_status(name, rows, "GET", role), _status(name, rows, "HX GET", role)):
            return role
    return None


def _status(name: str, rows: Mapping[str, Mapping[str, int]], method: str, role: str) -> int | None:
    """The access table's answer to ``role``, the extra roles' derived from the row."""
    row = rows.get(method)
    if row is None:
        return None
    return {**row, **derived(name, method, dict(row))}.get(role)


# Roles outside the security world's sessions, with the endpoint whose ``prepare`` makes them:
# the mentor (issue 25), matched to the world's proposal with an open suggestion, signed in.
PREPARED_ROLES = {"mentor": "mentor_proposal"}

GET_ROLES = {
    name: role
    for name, rows in sorted(merged().items())
    if name not in SKIPPED and ("GET" in rows or "HX GET" in rows)
    if (role := _get_role(rows, name)) is not None
}


def error_forms(endpoint: Endpoint, w: SecurityWorld) -> Iterator[tuple[str, Form]]:
    """An empty form, every field invalid at once, then each field invalid on its own."""
    valid = plain_form(endpoint.valid(w))
    steering = STEERING | STEERING_BY_ENDPOINT.get(endpoint.name, frozenset())
    every = dict.fromkeys([*(k for k, _v in valid), *endpoint.fields(w)])
    names = [n for n in every if n not in steering]
    kept = [(k, v) for k, v in valid if k in steering]
    yield "empty", []
    yield "all invalid", kept + [(n, INVALID) for n in names]
    for bad in names:
        yield f"{bad} invalid", [(k, v) for k, v in valid if k != bad] + [(bad, INVALID)]
    section = endpoint.name.removeprefix("callsettings:")
    if section in SECTIONS:
        # The same with an existing row open: its fields carry the row's id in their prefix.
        row = str(_row_ids(w, section)[0])
        form: Form = [("row", row), ("action", "save")]
        form += [(n, INVALID) for n in names if n.startswith(f"{section}-{row}-")]
        yield f"row {row} all invalid", form


# --- the tests --------------------------------------------------------------------------------


def _cases() -> list[Any]:
    out = []
    for name, role in GET_ROLES.items():
        for revealed in (False, True) if role == "chair" else (False,):
            for htmx in (False, True):
                reason = KNOWN.get((name, htmx))
                out.append(
                    pytest.param(
                        name,
                        revealed,
                        htmx,
                        id=f"{name}-{'revealed-' if revealed else ''}{'hx' if htmx else 'plain'}",
                        marks=[pytest.mark.xfail(reason=reason, strict=True)] if reason else [],
                    )
                )
    return out


def _expected_status(name: str, htmx: bool) -> int:
    # An invitation link of the fuzz suite is a real one: the page opens.
    if name in BY_NAME and BY_NAME[name].token != TABLE_TOKEN:
        return 200
    rows = merged()[name]
    key = "HX GET" if htmx and "HX GET" in rows else "GET"
    status = _status(name, rows, key, GET_ROLES[name])
    assert status is not None, f"the access table has no {key} row for {name}"
    return status


@pytest.mark.parametrize(("name", "revealed", "htmx"), _cases())
def test_every_reference_of_a_page_resolves(name: str, revealed: bool, htmx: bool) -> None:
    preparing = PREPARED_ROLES.get(GET_ROLES[name])
    crawler = Crawler(_world(revealed=revealed, endpoint=BY_NAME[preparing] if preparing else None))

    fetched = crawler.get(name, GET_ROLES[name], htmx=htmx)

    assert fetched.status == _expected_status(name, htmx), "the page itself was checked"
    assert not fetched.problems(), "\n".join(fetched.problems())


# Endpoints whose error answers show no field in error: they have no visible field (a button,
# a link with a token, hidden inputs), or refuse before any form is shown.
NO_FIELD_ERRORS = frozenset(
    {
        "logout",
        "password_reset_confirm",  # the table's link is not valid: no form (see the test below)
        "cfp:scan",
        "cfp:join",
        "callsettings:findings",
        "chair:aggregate",
        "chair:assign",
        "chair:remind",
        "diversity:build",
        "cfp:withdraw",  # a confirmation button, no field
        # Choices only (mode, reviewer): a refusal comes back as a message naming the problem,
        # like chair:assign.
        "chair:run_assignment",
        "chair:proposal_reviewers",
        "reviews:bid",  # a choice of four buttons; a refusal is a message
        "chair:bulk_decide",  # a refusal names the rows in a message and keeps the ticks
        # The outbox: buttons and hidden fields. (Editing a draft, chair:outbox_draft, shows its
        # subject and body in error now that the world has the drafts its ``prepare`` makes.)
        "chair:outbox_generate",
        "chair:outbox_feedback",
        "chair:outbox_discard",
        "chair:outbox_resend",
        "chair:outbox_send",
        # Confirmation buttons, no field (issues 19-25): confirming or declining a talk, dismissing
        # a notice, removing a reviewer, a new link for an invitation or withdrawing it, revoking
        # an API token, opening a discussion, volunteering as a mentor.
        "cfp:confirm",
        "cfp:decline",
        "chair:notice_dismiss",
        "reviewers:remove",
        "reviewers:resend",
        "reviewers:revoke",
        "chair:api_token_revoke",
        "chair:discussion_open",
        "mentor_volunteer",
        # Deleting a criterion or a question moves nothing, so there is no "move to" choice: a
        # button, or (a criterion scored in a review) a refusal in prose with no form at all.
        "callsettings:delete_criterion",
        "callsettings:delete_question",
        # Django's view behind the switcher on every page: a language the site does not offer
        # sets nothing and the browser goes back to ``next``; there is no page to show it on.
        "set_language",
    }
)

# Deleting a format or track in use asks where its proposals go (the "move to" select, whose
# errors are the ones to reach): these open the world's proposal's own row, not the spare one
# the fuzz suite's ``prepare`` makes (which nothing uses, so it shows a button only).
ROW_IN_USE = {
    "callsettings:delete_format": lambda w: w.proposal.format_id,
    "callsettings:delete_track": lambda w: w.proposal.track_id,
}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_reference_of_a_form_in_error_resolves(endpoint: Endpoint) -> None:
    crawler = Crawler(_world(endpoint=endpoint))
    if endpoint.name in ROW_IN_USE:
        crawler.w.url_ids["row_id"] = ROW_IN_USE[endpoint.name](crawler.w)

    fetched = [
        crawler.post(endpoint, form, label=label, htmx=htmx)
        for label, form in error_forms(endpoint, crawler.w)
        for htmx in (False, True)
    ]

    problems = [p for f in fetched for p in f.problems()]
    assert not problems, "\n".join(problems)
    # The error state was really reached (or, for the listed endpoints, cannot be).
    shown = any(f.refs.fields_in_error for f in fetched)
    assert shown is (endpoint.name not in NO_FIELD_ERRORS)


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.role == "chair"], ids=lambda e: e.name
)
def test_every_reference_of_a_chair_form_in_error_resolves_after_the_reveal(
    endpoint: Endpoint,
) -> None:
    crawler = Crawler(_world(revealed=True, endpoint=endpoint))
    if endpoint.name in ROW_IN_USE:
        crawler.w.url_ids["row_id"] = ROW_IN_USE[endpoint.name](crawler.w)

    problems = [
        p
        for label, form in error_forms(endpoint, crawler.w)
        for htmx in (False, True)
        for p in crawler.post(endpoint, form, label=label, htmx=htmx).problems()
    ]

    assert not problems, "\n".join(problems)


def _query_cases() -> list[Any]:
    return [
        pytest.param(name, revealed, id=f"{name}{'-revealed' if revealed else ''}")
        for name, (role, keys) in QUERY_PAGES.items()
        if keys
        for revealed in ((False, True) if role == "chair" else (False,))
    ]


@pytest.mark.parametrize(("name", "revealed"), _query_cases())
def test_every_reference_of_a_filter_form_in_error_resolves(name: str, revealed: bool) -> None:
    crawler = Crawler(_world(revealed=revealed))
    role, keys = QUERY_PAGES[name]
    queries = [urlencode(dict.fromkeys(keys, "abc"))] + [urlencode({k: INVALID}) for k in keys]

    fetched = [
        crawler.get(name, role, query=q, htmx=htmx) for q in queries for htmx in (False, True)
    ]

    problems = [p for f in fetched for p in f.problems()]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_reference_of_a_settings_row_open_for_editing_resolves(section: str) -> None:
    crawler = Crawler(_world())
    row = _row_ids(crawler.w, section)[0]
    # The settings page names the section in ``edit``; the section's own URL needs only the row.
    fetched = [
        crawler.get("callsettings:settings", "chair", query=f"edit={section}-{row}", htmx=False),
        crawler.get(f"callsettings:{section}", "chair", query=f"edit={row}", htmx=True),
    ]

    # The row's own form is open: its fields carry the row's id in their prefix.
    assert all(f'id="id_{section}-{row}-' in f.html for f in fetched)
    problems = [p for f in fetched for p in f.problems()]
    assert not problems, "\n".join(problems)


def test_every_reference_of_the_new_password_form_resolves() -> None:
    w = _world()
    user = w.users["submitter"]
    client = Client()
    link = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    # Django moves the token into the session and sends the browser to a URL without it.
    form_url = client.get(link)["Location"]
    cases = {
        "blank": {},
        "mismatched": {"new_password1": "A-long-passphrase-42", "new_password2": "another-one-42"},
        "too short": {"new_password1": "abc", "new_password2": "abc"},
    }

    pages = [Fetched(f"GET {form_url}", 200, body(client.get(form_url)), False)]
    for label, data in cases.items():
        response = client.post(form_url, data)
        pages.append(
            Fetched(f"POST {form_url}, {label}", response.status_code, body(response), False)
        )

    assert all(f.status == 200 and 'name="new_password1"' in f.html for f in pages)
    assert all(f.refs.fields_in_error for f in pages[1:])
    problems = [p for f in pages for p in f.problems()]
    assert not problems, "\n".join(problems)


# --- the checker itself -----------------------------------------------------------------------

PLANTED = {
    '<input aria-describedby="id_title_error">': "'id_title_error'>: no element has this id",
    '<input aria-describedby="id_a_helptext x">': "'id_a_helptext'>: no element has this id",
    '<div aria-labelledby="nowhere"></div>': "'nowhere'>: no element has this id",
    '<button aria-controls="menu"></button>': "'menu'>: no element has this id",
    '<input aria-errormessage="err">': "'err'>: no element has this id",
    '<label for="id_x">X</label>': "'id_x'>: no element has this id",
    '<label for="">X</label>': "<label for>: empty",
}


@pytest.mark.parametrize(("html", "expected"), PLANTED.items())
def test_the_checker_flags_a_planted_dangling_reference(html: str, expected: str) -> None:
    problems = references(f'<main><p id="x">x</p>{html}</main>').dangling()

    assert any(expected in p for p in problems), problems


def test_the_checker_accepts_references_that_resolve() -> None:
    html = (
        '<label for="id_title">Title</label>'
        '<input id="id_title" aria-invalid="true"'
        ' aria-describedby="id_title_helptext id_title_error">'
        '<p id="id_title_helptext">Help</p><div id="id_title_error"><p class="error">No</p></div>'
    )

    found = references(html)

    assert found.dangling() == []
    assert found.fields_in_error == 1


def test_a_fragment_may_point_at_an_id_of_the_page_it_lands_in() -> None:
    fragment = Fetched("x", 200, '<div aria-labelledby="list-title"></div>', True)
    hosted = Fetched("x", 200, fragment.html, True, '<h2 id="list-title">Proposals</h2>')

    assert fragment.problems()
    assert not hosted.problems()
