"""Proposal text carries its own language wherever it is shown (issue 24).

A screen reader switches voice on the ``lang`` attribute. The auditor renders every page that
shows a proposal's title or text to reviewers and chairs, with a Spanish proposal on an English
interface, finds each piece of the proposal's text in the page and checks that the nearest
``lang`` around it is the proposal's, not the page's.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

TITLE = "Quetzales en producción"
ABSTRACT = "Cómo medimos los quetzales antes de optimizar nada."


class _LangOf(HTMLParser):
    """The nearest lang around each text node that contains one of ``needles``."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col"})

    def __init__(self, needles: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.needles = needles
        self.stack: list[str | None] = []
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        self.stack.append(dict(attrs).get("lang"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for needle in self.needles:
            if needle in data:
                lang = next((x for x in reversed(self.stack) if x), None)
                self.found.append((needle, lang))


def langs_around(html: str, *needles: str) -> list[tuple[str, str | None]]:
    parser = _LangOf(needles)
    parser.feed(html)
    return parser.found


@pytest.fixture
def spanish_world() -> tuple[factories.World, Client, Client, str]:
    w = factories.world()
    p = factories.proposal(
        w.call, factories.user("lucia"), title=TITLE, abstract=ABSTRACT, language="es"
    )
    factories.assign(p, w.users["reviewer"])
    w.call.bidding_closes_at = timezone.now() + dt.timedelta(days=1)
    w.call.save(update_fields=["bidding_closes_at"])
    reviewer, chair = Client(), Client()
    reviewer.force_login(w.users["reviewer"])
    chair.force_login(w.users["chair"])
    return w, reviewer, chair, p.code


def test_a_page_that_is_not_spanish_says_so_by_default() -> None:
    html = '<html lang="en"><body><p>Quetzales en producción</p></body></html>'

    assert langs_around(html, "Quetzales") == [("Quetzales", "en")]


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("reviewer", "reviews:screen"),
        ("reviewer", "reviews:queue"),
        ("reviewer", "reviews:bids"),
        ("chair", "curation:proposal"),
    ],
)
def test_proposal_text_is_served_in_its_own_language(
    spanish_world: tuple[factories.World, Client, Client, str], who: str, page: str
) -> None:
    w, reviewer, chair, code = spanish_world
    client = reviewer if who == "reviewer" else chair
    kwargs = {"slug": w.call.slug}
    if page in ("reviews:screen", "curation:proposal"):
        kwargs["code"] = code

    response = client.get(reverse(page, kwargs=kwargs))

    assert response.status_code == 200
    found = langs_around(response.content.decode(), "Quetzales", "medimos los quetzales")
    assert found, "the proposal's text is not on the page"
    assert {lang for _needle, lang in found} == {"es"}, found
    assert '<html lang="en">' in response.content.decode()
