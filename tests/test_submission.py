"""What a submitter can do through the browser: submit, edit until the deadline, withdraw.

Every test drives the views through the Django test client, signed in with ``force_login``.
The clock is the ``clock`` fixture: it replaces ``django.utils.timezone.now``, which the views
read, so "one second before the close" is exact rather than a race.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models
from tests import factories

pytestmark = pytest.mark.django_db

CLOSES_AT = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
SPEAKER_NAME = "Samira Quell"


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = CLOSES_AT - dt.timedelta(days=1)
        # `cfp.views.speaker.timezone` is django.utils.timezone: services and factories see it too.
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: dt.datetime) -> None:
        self.now = when


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def call(clock: Clock) -> models.Call:
    return factories.call("pycon", opens_at=CLOSES_AT - dt.timedelta(days=30), closes_at=CLOSES_AT)


@pytest.fixture
def sam() -> Any:
    return factories.user("sam", first_name=SPEAKER_NAME)


@pytest.fixture
def client_for(clock: Clock) -> Callable[[Any], Client]:
    def signed_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def client(client_for: Callable[[Any], Client], sam: Any) -> Client:
    return client_for(sam)


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "title": "Caching without tears",
        "abstract": "How a small team cut its page times in half with three cache layers.",
        "description": "## Outline\n\n1. Measure\n2. Cache\n3. Invalidate",
        "notes": "Happy to give it as a tutorial instead.",
        "format": "talk",
        "track": "web",
        "level": "intermediate",
        "language": "en",
        "token": "form-token-1",
    }
    data.update(changes)
    return data


def submit_url(call: models.Call) -> str:
    return reverse("cfp:submit", args=[call.slug])


def detail_url(call: models.Call, code: str) -> str:
    return reverse("cfp:mine_detail", args=[call.slug, code])


def own_proposal(call: models.Call, owner: Any) -> models.Proposal:
    return factories.proposal(call, owner, title="Caching without tears")


VOID_TAGS = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "source", "wbr"})


class _Region(HTMLParser):
    """The tags and attributes inside the first element that has ``marker`` as an attribute."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.depth = 0
        self.container: dict[str, str | None] | None = None
        self.inside: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.container is None and any(name == self.marker for name, _v in attrs):
            self.container, self.depth = dict(attrs), 1
        elif self.depth:
            self.inside.append((tag, dict(attrs)))
            self.depth += tag not in VOID_TAGS

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID_TAGS:
            self.depth -= 1


def region(html: str, marker: str) -> _Region:
    parser = _Region(marker)
    parser.feed(html)
    assert parser.container is not None, f"no element with {marker} in the page"
    return parser


def findings_box(html: str) -> str:
    start = html.index('<div id="findings"')
    return html[start : html.index("</div>", start)]


# --- submitting ---------------------------------------------------------------------------


def test_submitting_creates_a_proposal_and_redirects_to_it(
    client: Client, call: models.Call, sam: Any
) -> None:
    response = client.post(submit_url(call), form_data())

    proposal = models.Proposal.objects.get()
    assert response.status_code == 302
    # The first proposal of this person: the page opens with the optional next steps.
    assert response["Location"] == detail_url(call, proposal.code) + "?welcome=1"
    assert (proposal.owner_id, proposal.title, proposal.track.slug if proposal.track else "") == (
        sam.pk,
        "Caching without tears",
        "web",
    )


def test_the_same_form_posted_twice_creates_one_proposal(client: Client, call: models.Call) -> None:
    first = client.post(submit_url(call), form_data())

    second = client.post(submit_url(call), form_data())

    assert models.Proposal.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


def test_a_double_click_sends_exactly_one_confirmation_email(
    client: Client,
    call: models.Call,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(submit_url(call), form_data())
        client.post(submit_url(call), form_data())

    code = models.Proposal.objects.get().code
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["sam@example.org"]
    assert code in mailoutbox[0].body


def test_a_nul_byte_in_the_title_is_a_form_error_not_a_server_error(
    client: Client, call: models.Call
) -> None:
    response = client.post(submit_url(call), form_data(title="Caching\x00 without tears"))

    assert response.status_code == 400
    title_errors = response.context["form"].errors["title"]
    assert title_errors
    assert "nul" in title_errors[0].lower()
    assert models.Proposal.objects.count() == 0


# --- the deadline -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["submit", "edit"])
def test_a_save_one_second_before_the_close_succeeds(
    client: Client, call: models.Call, sam: Any, clock: Clock, path: str
) -> None:
    url = submit_url(call) if path == "submit" else detail_url(call, own_proposal(call, sam).code)
    clock.set(CLOSES_AT - dt.timedelta(seconds=1))

    response = client.post(url, form_data(abstract="Typed just in time.", token="late-token"))

    assert response.status_code == 302
    assert models.Proposal.objects.filter(abstract="Typed just in time.").count() == 1


@pytest.mark.parametrize("path", ["submit", "edit"])
def test_a_save_one_second_after_the_close_is_refused_and_keeps_the_typed_text(
    client: Client, call: models.Call, sam: Any, clock: Clock, path: str
) -> None:
    url = submit_url(call) if path == "submit" else detail_url(call, own_proposal(call, sam).code)
    clock.set(CLOSES_AT + dt.timedelta(seconds=1))

    response = client.post(url, form_data(abstract="Typed one second too late.", token="late"))

    html = response.content.decode()
    assert response.status_code == 400
    assert "The call closed at 2027-03-01 12:00 UTC: changes are not saved." in html
    assert "Typed one second too late." in html
    assert not models.Proposal.objects.filter(abstract="Typed one second too late.").exists()


# --- editing and withdrawing --------------------------------------------------------------


def test_each_save_keeps_a_version_and_bumps_the_number(
    client: Client, call: models.Call, sam: Any
) -> None:
    proposal = own_proposal(call, sam)
    url = detail_url(call, proposal.code)

    client.post(url, form_data(abstract="Second draft."))
    client.post(url, form_data(abstract="Third draft."))

    proposal.refresh_from_db()
    assert proposal.version == 3
    assert list(proposal.versions.values_list("number", "abstract")) == [
        (1, "How we cut page times in half."),
        (2, "Second draft."),
        (3, "Third draft."),
    ]


def test_withdrawing_marks_the_proposal_withdrawn(
    client: Client, call: models.Call, sam: Any
) -> None:
    proposal = own_proposal(call, sam)

    response = client.post(reverse("cfp:withdraw", args=[call.slug, proposal.code]))

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.state == models.ProposalState.WITHDRAWN


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_proposal_is_not_found(
    client_for: Callable[[Any], Client], call: models.Call, sam: Any, method: str
) -> None:
    proposal = own_proposal(call, sam)
    otto = client_for(factories.user("otto"))

    response = getattr(otto, method)(
        detail_url(call, proposal.code), form_data(abstract="Hijacked.")
    )

    proposal.refresh_from_db()
    assert response.status_code == 404
    assert proposal.abstract != "Hijacked."


# --- the identity-leak warning ------------------------------------------------------------


def test_an_abstract_naming_the_speaker_shows_a_finding_after_saving(
    client: Client, call: models.Call
) -> None:
    saved = client.post(
        submit_url(call),
        form_data(abstract=f"I'm {SPEAKER_NAME} and I maintain a cache library."),
    )

    page = client.get(saved["Location"]).content.decode()

    box = findings_box(page)
    assert "Your text may reveal who you are." in box
    assert f"“{SPEAKER_NAME}” in abstract" in box


def test_the_scan_endpoint_returns_only_the_findings_fragment(
    client: Client, call: models.Call
) -> None:
    response = client.post(
        reverse("cfp:scan", args=[call.slug]),
        {"title": "Caching", "abstract": f"By {SPEAKER_NAME}, for everyone."},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="findings"')
    assert f"“{SPEAKER_NAME}” in abstract" in html
    assert "<form" not in html
    assert "<html" not in html


# --- the call page ------------------------------------------------------------------------

HOSTILE_DESCRIPTION = """Welcome to **our call**.

<script>alert("owned")</script>

[x](javascript:alert(1))

<a hx-get="/calls/pycon/mine/" hx-trigger="load">y</a>

<img src=x onerror="alert(2)">
"""


def test_the_call_description_is_sanitised_inside_an_hx_disable_container(
    client: Client, call: models.Call
) -> None:
    models.Call.objects.filter(pk=call.pk).update(description=HOSTILE_DESCRIPTION)

    html = client.get(reverse("cfp:call", args=[call.slug])).content.decode()

    content = region(html, "hx-disable")
    tags = [tag for tag, _attrs in content.inside]
    attributes = {
        name: value or "" for _tag, attrs in content.inside for name, value in attrs.items()
    }
    assert "strong" in tags  # the Markdown itself did render
    assert "script" not in tags
    assert "img" not in tags
    assert not [a for a in attributes if a.startswith(("hx-", "on", "data-"))]
    assert not any("javascript:" in v.lower() for v in attributes.values())


# --- query budgets ------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_my_proposals_page_runs_a_fixed_number_of_queries(
    client: Client, call: models.Call, sam: Any, assert_queries: Any, rows: int
) -> None:
    for n in range(rows):
        factories.proposal(call, sam, title=f"Talk {n}", track=("web", "data")[n % 2])
    url = reverse("cfp:mine", args=[call.slug])

    with assert_queries(8):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["proposals"]) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_the_call_page_runs_a_fixed_number_of_queries(
    client: Client, call: models.Call, assert_queries: Any, rows: int
) -> None:
    models.Format.objects.filter(call=call).delete()
    for n in range(rows):
        models.Format.objects.create(call=call, slug=f"f{n}", name=f"Format {n}")
        models.Track.objects.create(call=call, slug=f"t{n}", name=f"Track {n}")
    url = reverse("cfp:call", args=[call.slug])

    with assert_queries(7):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["call"].formats) == rows


# --- after the first submission -------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    ["Caching without tears", "Ünïcode & <angle> “quotes”", "A title\twith  odd   spacing"],
)
def test_the_receipt_names_the_proposal_and_links_to_its_page(
    client: Client,
    call: models.Call,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
    title: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(submit_url(call), form_data(title=title))

    proposal = models.Proposal.objects.get()
    mail = mailoutbox[0]
    one_line = " ".join(proposal.title.split())
    assert one_line in mail.subject
    assert proposal.title in mail.body
    assert f"http://testserver{detail_url(call, proposal.code)}" in mail.body


def test_the_first_submission_invites_to_the_profile_and_self_identification(
    client: Client, call: models.Call
) -> None:
    response = client.post(submit_url(call), form_data(), follow=True)

    html = response.content.decode()
    card = html[html.index('id="next-steps"') :]
    card = card[: card.index("</section>")]
    assert f'href="{reverse("profile")}"' in card
    assert f'href="{reverse("diversity:self_id")}"' in card
    code = models.Proposal.objects.get().code
    assert f'href="{detail_url(call, code)}">Not now' in card


def test_not_now_and_later_submissions_show_no_invitation(
    client: Client, call: models.Call
) -> None:
    first = client.post(submit_url(call), form_data())
    not_now = client.get(first["Location"].split("?")[0]).content.decode()
    second = client.post(submit_url(call), form_data(token="form-token-2", title="Another talk"))

    assert 'id="next-steps"' not in not_now
    assert "?" not in second["Location"]
    assert 'id="next-steps"' not in client.get(second["Location"]).content.decode()


@pytest.mark.parametrize("page", ["submit", "edit"])
def test_no_empty_findings_box_above_the_form(
    client: Client, call: models.Call, sam: Any, page: str
) -> None:
    url = submit_url(call) if page == "submit" else detail_url(call, own_proposal(call, sam).code)

    html = client.get(url).content.decode()

    box = html[html.index('<div id="findings"') :]
    opening, rest = box.split(">", 1)
    assert 'class="findings"' not in opening
    assert rest.startswith("</div>")


@pytest.mark.parametrize(
    ("language", "level", "words"),
    [
        ("en", "intermediate", "English · intermediate"),
        ("es", "beginner", "Español · beginner"),
        ("en", "advanced", "English · advanced"),
    ],
)
def test_language_and_level_are_words_on_the_speaker_pages(
    client: Client, call: models.Call, sam: Any, language: str, level: str, words: str
) -> None:
    proposal = own_proposal(call, sam)
    models.Proposal.objects.filter(pk=proposal.pk).update(language=language, level=level)

    detail = client.get(detail_url(call, proposal.code)).content.decode()
    mine = client.get(reverse("cfp:mine", args=[call.slug])).content.decode()

    assert words in detail
    assert words in mine
