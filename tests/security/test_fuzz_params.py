"""Query parameters: every list and page that reads its query string, fuzzed.

Absurd page numbers (-1, 0, 10**30, "abc"), huge page sizes, unknown orderings (speaker fields
among them), repeated keys, lone surrogates and invalid UTF-8: never a 500, and a redirect never
leaves the site whatever ``?next=`` says. Reviewers cannot order or filter their queue by a
speaker field (the rows come back as without it), and chairs cannot filter by programme
attributes while they are blind.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote_from_bytes, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cfp import models as cfp_models
from cfp import services as cfp_services
from tests import access, factories
from tests.access import merged
from tests.curation_world import curation
from tests.security.conftest import EXAMPLES, FUZZ, SecurityWorld, security_world
from tests.test_access import _names

pytestmark = pytest.mark.django_db

Value = str | bytes
Query = Sequence[tuple[str, Value]]

QUEUE_KEYS = ("track", "format", "language", "status", "ordering")
SHORTLIST_KEYS = (
    "track",
    "format",
    "language",
    "level",
    "decision",
    "flag",
    "score_min",
    "score_max",
    "sort",
    "per_page",
    "page",
    "first_time",
    "wants_mentor",
    "english_additional",
)
# Column names a curious reviewer might try: every one names speaker identity or programme data.
SPEAKER_FIELDS = (
    "speaker",
    "speakers",
    "speaker__name",
    "-speaker__name",
    "speaker_links__speaker__name",
    "-speaker_links__speaker__email",
    "proposal__speaker_links__speaker__name",
    "proposal__owner__email",
    "-proposal__owner__first_name",
    "owner",
    "owner__email",
    "owner__first_name",
    "email",
    "name",
    "affiliation",
    "bio",
    "region",
    "first_time",
    "spoken_before",
    "wants_mentor",
    "english_additional",
)
GENERIC_KEYS = ("page", "per_page", "sort", "ordering", "order_by", "o", "next", "q", "edit")
VALUES: tuple[Value, ...] = (
    "-1",
    "0",
    "1",
    str(10**30),
    "-" + str(10**30),
    "abc",
    "1e309",
    "NaN",
    "inf",
    "1000000",
    "99999999999999999999",
    "2.5",
    "",
    " ",
    "\x00",
    "\ud800",
    b"\xff\xfe",
    b"\xc3\x28",
    "\u202e",
    "A" * 5000,
    "?",
    "title;DROP TABLE cfp_proposal",
    "' OR 1=1 --",
    "formats-1",
    "questions-99999999999999999999",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/calls/pycon/",
    *SPEAKER_FIELDS,
)

# GET pages that read their query string, with the role that may see them and the keys they read.
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "reviews:queue": ("reviewer", QUEUE_KEYS),
    "reviews:screen": ("reviewer", QUEUE_KEYS),
    "chair:shortlist": ("chair", SHORTLIST_KEYS),
    "chair:dashboard": ("chair", ()),
    "diversity:report": ("chair", ()),
    "curation:preview": ("chair", ("code", "status")),
    # The settings page reads "edit" as these two sections do
    # (cfp.views.chair_settings._parse_edit); it costs ten times a section to render, so it gets
    # the fixed absurd query strings below only.
    "callsettings:formats": ("chair", ("edit",)),
    "callsettings:questions": ("chair", ("edit",)),
    "signup": ("anonymous", ("next",)),
    "login": ("anonymous", ("next",)),
    "verify_email": ("anonymous", ("next",)),
}


@functools.cache
def _patterns() -> dict[str, Any]:
    return dict(_names(get_resolver()))


def page_url(name: str, w: SecurityWorld) -> str:
    if name == "admin:*":
        return "/admin/"
    params = set(getattr(_patterns()[name].pattern, "converters", {}))
    kwargs = access.url_kwargs(
        params,
        slug=w.call.slug,
        code=w.proposal.code,
        reviewer_pk=w.users["reviewer"].pk,
        token="x",
    )
    return reverse(name, kwargs=kwargs)


def _bytes(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def query_string(query: Query) -> str:
    return "&".join(
        f"{quote_from_bytes(_bytes(key))}={quote_from_bytes(_bytes(value))}" for key, value in query
    )


def assert_stays_on_site(response: HttpResponseBase) -> None:
    location = response.get("Location") or ""
    if not location:
        return
    parts = urlsplit(location)
    assert not parts.scheme, f"redirect off the site: {location}"
    assert not parts.netloc, f"redirect off the site: {location}"
    assert location.startswith("/"), location
    # Browsers read a backslash as a slash: "/\\host" is "//host".
    assert not location.startswith(("//", "/\\")), location


def get(w: SecurityWorld, role: str, url: str, query: Query, *, htmx: bool) -> HttpResponseBase:
    cache.clear()
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():
        response = w.client(role).get(f"{url}?{query_string(query)}", headers=headers)
        transaction.set_rollback(True)
    assert response.status_code < 500
    assert_stays_on_site(response)
    return response


@st.composite
def queries(draw: st.DrawFn, keys: tuple[str, ...]) -> Query:
    names = st.sampled_from(keys + GENERIC_KEYS + SPEAKER_FIELDS)
    values = st.one_of(st.sampled_from(VALUES), st.text(max_size=40), st.binary(max_size=16))
    return draw(st.lists(st.tuples(names, values), max_size=12))


def _confirmation_token() -> str:
    """The live link of an account waiting for its address to be confirmed."""
    return cfp_services.sign_up(
        email="nina@example.org",
        name="Nina",
        verify_url="http://testserver/accounts/verify/TOKEN/",
        now=timezone.now(),
    )


# --- fuzzing ----------------------------------------------------------------------------------


def test_every_page_that_reads_its_query_string_is_fuzzed() -> None:
    assert set(PAGES) <= set(merged())
    assert {"reviews:queue", "chair:shortlist", "chair:dashboard", "diversity:report"} <= set(PAGES)


@pytest.mark.parametrize("name", list(PAGES))
def test_fuzzed_query_strings_never_fail_nor_redirect_off_the_site(
    name: str, record_property: Callable[[str, object], None]
) -> None:
    w = security_world()
    ran = []
    role, keys = PAGES[name]
    url = page_url(name, w)
    if name == "verify_email":
        # A valid link, so that its form is actually shown.
        url = reverse("verify_email", kwargs={"token": _confirmation_token()})

    @FUZZ
    @given(query=queries(keys), htmx=st.booleans())
    def example(query: Query, htmx: bool) -> None:
        ran.append(len(query))
        get(w, role, url, query, htmx=htmx)

    example()

    record_property("examples", len(ran))
    assert len(ran) >= EXAMPLES // 2, "the fuzzer really ran"


# Dense on purpose: each query string carries several absurd parameters at once.
FIXED_QUERIES: tuple[Query, ...] = (
    [
        ("page", "-1"),
        ("per_page", str(10**30)),
        ("ordering", "speaker__name"),
        ("sort", "-owner__email"),
        ("next", "https://evil.example/"),
        ("edit", "formats-1"),
    ],
    [
        ("page", str(10**30)),
        ("page", "abc"),
        ("per_page", "0"),
        ("o", "bio"),
        ("next", "//evil.example"),
        ("edit", "questions-x"),
        ("code", "\ud800"),
    ],
    [("status", b"\xff"), ("track", "\x00"), ("q", "A" * 5000), ("page", ""), ("sort", "")],
)


def test_every_get_url_of_the_access_table_survives_absurd_query_strings(
    record_property: Callable[[str, object], None],
) -> None:
    """The pages without query parameters too: every URL, as every role it answers with 200."""
    w = security_world()
    fetched = 0
    for name, rows in merged().items():
        try:
            url = page_url(name, w)
        except NoReverseMatch:  # pragma: no cover - the access table test owns such patterns
            continue
        for role, status in rows.get("GET", {}).items():
            if status != 200:
                continue
            for query in FIXED_QUERIES:
                for htmx in (False, True):
                    get(w, role, url, query, htmx=htmx)
                    fetched += 1
    record_property("requests", fetched)
    assert fetched > 600


# --- open redirects ---------------------------------------------------------------------------

HOSTILE_NEXT = (
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "\t//evil.example",
    "/%2F%2Fevil.example",
)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_confirmation_link_never_redirects_off_the_site(target: str) -> None:
    security_world()
    url = reverse("verify_email", kwargs={"token": _confirmation_token()})
    chosen = {
        "name": "Nina",
        "password1": "A-long-passphrase-42",
        "password2": "A-long-passphrase-42",
    }

    response = Client().post(f"{url}?{urlencode({'next': target})}", chosen)

    assert response.status_code == 302
    assert_stays_on_site(response)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_logging_in_never_redirects_off_the_site(target: str) -> None:
    security_world()

    response = Client().post(
        reverse("login"), {"username": "sam", "password": factories.PASSWORD, "next": target}
    )

    assert response.status_code == 302
    assert_stays_on_site(response)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_decision_never_redirects_off_the_site(target: str) -> None:
    w = security_world()
    url = reverse("curation:decide", kwargs={"slug": w.call.slug, "code": w.proposal.code})

    response = w.client("chair").post(url, {"status": "accepted", "version": "0", "next": target})

    assert response.status_code == 302
    assert_stays_on_site(response)


# --- no ordering or filtering by what reviewers must not see ----------------------------------


def _queue_codes(client: Client, url: str, query: Query) -> list[str]:
    response = client.get(f"{url}?{query_string(query)}")
    assert response.status_code == 200
    return [row.code for row in response.context["queue"].rows]


def test_a_reviewer_cannot_order_or_filter_the_queue_by_a_speaker_field() -> None:
    w = security_world()
    # Three proposals whose speakers' names, e-mails and flags sort against submission order.
    for i, (name, first_time) in enumerate((("Zed Zulu", True), ("Abe Alpha", False))):
        owner = factories.user(f"speaker{i}", first_name=name, email=f"{name[0]}@example.org")
        p = factories.proposal(w.call, owner, title=f"Talk {i}", speaker_name=name)
        cfp_models.Speaker.objects.filter(user=owner).update(spoken_before=not first_time)
        factories.assign(p, w.users["reviewer"])
    client = w.client("reviewer")
    url = reverse("reviews:queue", kwargs={"slug": w.call.slug})
    plain = _queue_codes(client, url, [])
    # The plain queue is the reviewer's shuffle, which one title order matches by chance; the
    # two title orders never both do.
    by_title = [_queue_codes(client, url, [("ordering", o)]) for o in ("title", "-title")]
    # Every speaker field as an ordering, and as a filter with a value that would match.
    tried = [[("ordering", field)] for field in SPEAKER_FIELDS] + [
        [(key, value)]
        for key in SPEAKER_FIELDS
        for value in ("Zed Zulu", "Z@example.org", "yes", "1")
    ]

    different = {str(q): codes for q in tried if (codes := _queue_codes(client, url, q)) != plain}

    assert len(plain) == 3
    assert any(o != plain for o in by_title), "a known ordering reorders: the check can fail"
    assert not different


def test_a_blind_chair_cannot_filter_the_shortlist_by_programme_attributes() -> None:
    w = curation(3)
    first = w.proposals[1].owner
    cfp_models.Speaker.objects.filter(user=first).update(spoken_before=False, wants_mentor=True)
    cfp_models.Speaker.objects.exclude(user=first).update(spoken_before=True, wants_mentor=False)
    url = reverse("chair:shortlist", kwargs={"slug": w.call.slug})

    def codes(query: dict[str, str]) -> list[str]:
        response = w.client.get(url, query)
        assert response.status_code == 200
        return [row.code for row in response.context["result"].rows]

    everything = codes({})
    blind = {name: codes({name: "yes"}) for name in ("first_time", "wants_mentor")}
    w.reveal()
    revealed = codes({"first_time": "yes"})

    assert blind == {"first_time": everything, "wants_mentor": everything}
    assert revealed == [w.proposals[1].code], "after the reveal the same filter does filter"


def test_absurd_page_numbers_show_a_page_of_the_shortlist() -> None:
    w = curation(3)
    url = reverse("chair:shortlist", kwargs={"slug": w.call.slug})

    pages = [
        w.client.get(f"{url}?page={page}&per_page={size}")
        for page in ("-1", "0", str(10**30), "abc", "")
        for size in ("-5", "0", str(10**30), "25", "abc")
    ]

    assert {r.status_code for r in pages} == {200}
    assert all(len(r.context["result"].rows) == 3 for r in pages)
