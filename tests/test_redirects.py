"""common.redirects: a ``next`` from input is followed only when it is a path on this site."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from django.utils.encoding import iri_to_uri
from hypothesis import example, given, settings
from hypothesis import strategies as st

from common import redirects

DEFAULT = "/default/"
HERE = "https://talks.example/chair/pycon/proposals/ABC123/"

# Characters that make addresses interesting, mixed with anything at all.
TRICKY = st.text(alphabet="/\\:.@%?#aZ \t\n\r\x00\u3000\u202e\uff0f", max_size=30)
CANDIDATES = st.one_of(
    st.text(), TRICKY, TRICKY.map(lambda t: "/" + t), st.text().map(lambda t: "/" + t)
)


def _as_browser_reads(path: str) -> str:
    # The URL standard drops tabs and newlines anywhere and reads a backslash as a slash.
    return path.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")


@settings(max_examples=500)
@given(candidate=CANDIDATES)
@example(candidate="on")
@example(candidate="/\t/evil.example")
@example(candidate="/\\evil.example")
def test_any_text_gives_the_default_or_a_path_on_this_site(candidate: str) -> None:
    path = redirects.local_path(candidate)
    location = redirects.safe_redirect(candidate, default=DEFAULT)["Location"]

    assert path in ("", candidate)
    assert location == (iri_to_uri(path) if path else DEFAULT)
    if path:
        read = _as_browser_reads(location)
        assert read.startswith("/")
        assert not read.startswith("//")
        assert (urlsplit(read).scheme, urlsplit(read).netloc) == ("", "")
        assert urlsplit(urljoin(HERE, read)).netloc == "talks.example"


@pytest.mark.parametrize(
    "candidate", ["/", "/calls/pycon/", "/calls/pycon/join/abc/?x=1#y", "/calls/café/"]
)
def test_a_path_on_this_site_is_followed(candidate: str) -> None:
    assert redirects.local_path(candidate) == candidate


@pytest.mark.parametrize(
    "candidate",
    [
        "on",
        "home",
        "admin:index",
        "//evil.example",
        "///evil.example",
        "https://evil.example/",
        "/\\evil",
        "javascript:alert(1)",
        "\t/x",
        "/\t/evil.example",
        " /x",
        "/" + "a" * 5000,
        "／／evil.example",
        "/\u202e/x",
        "",
        None,
        ["/x"],
    ],
)
def test_anything_else_gives_the_default(candidate: object) -> None:
    assert redirects.local_path(candidate) == ""
    assert redirects.safe_redirect(candidate, default=DEFAULT)["Location"] == DEFAULT
