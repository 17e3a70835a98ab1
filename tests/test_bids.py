"""The bidding screen: redacted rows, search and track filter, bids saved over htmx and without
JavaScript, the deadline, "conflict" as a declared conflict, and fixed query budgets."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cfp import models as cfp_models
from reviews import models as review_models
from reviews.services import bids as bid_services
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
ROW = re.compile(r'id="bid-([A-Z0-9]+)"')


def _world(n: int, *, open_for: dt.timedelta | None = dt.timedelta(days=3)) -> tuple[Any, ...]:
    c = factories.call("pycon")
    if open_for is not None:
        c.bidding_closes_at = timezone.now() + open_for
        c.save(update_fields=["bidding_closes_at"])
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    codes = []
    for i in range(n):
        owner = factories.user(f"speaker{i}", first_name=f"Zanzibar{i} Quoll")
        p = factories.proposal(
            c,
            owner,
            title=f"Caching talk {i} by Zanzibar{i} Quoll",
            abstract=f"I am Zanzibar{i} Quoll and I cache things.",
            speaker_name=f"Zanzibar{i} Quoll",
            track="web" if i % 2 == 0 else "data",
        )
        codes.append(p.code)
    client = Client()
    client.force_login(reviewer)
    return c, reviewer, client, codes


def _url(c: cfp_models.Call, code: str | None = None) -> str:
    if code is None:
        return reverse("reviews:bids", args=[c.slug])
    return reverse("reviews:bid", args=[c.slug, code])


def test_the_screen_lists_every_live_proposal_redacted() -> None:
    c, _r, client, codes = _world(3)

    body = client.get(_url(c)).content.decode()

    assert sorted(ROW.findall(body)) == sorted(codes)
    assert "Caching talk" in body
    assert "Zanzibar" not in body
    assert "Quoll" not in body


def test_a_reviewers_own_proposal_is_not_offered() -> None:
    c, reviewer, client, _codes = _world(2)
    mine = factories.proposal(c, reviewer, title="My own talk")

    body = client.get(_url(c)).content.decode()

    assert mine.code not in ROW.findall(body)
    assert client.post(_url(c, mine.code), {"level": "eager"}, headers=HX).status_code == 404


def test_search_and_track_filter_apply_in_the_database() -> None:
    c, _r, client, codes = _world(4)

    web = ROW.findall(client.get(_url(c), {"track": "web"}).content.decode())
    found = ROW.findall(client.get(_url(c), {"q": "talk 3"}).content.decode())
    # Search reads the reviewer's redacted text: a speaker's name finds nothing.
    by_name = ROW.findall(client.get(_url(c), {"q": "Zanzibar1"}).content.decode())

    assert sorted(web) == sorted(codes[0::2])
    assert found == [codes[3]]
    assert by_name == []


def test_an_htmx_bid_is_stored_and_the_row_comes_back_with_its_state() -> None:
    c, reviewer, client, codes = _world(2)

    response = client.post(_url(c, codes[0]), {"level": "eager"}, headers=HX)

    body = response.content.decode()
    assert response.status_code == 200
    assert ROW.findall(body) == [codes[0]]
    assert 'value="eager" data-key="1" data-letter="e" checked' in body
    assert "Your bid: eager" in body
    assert 'id="bid-counts"' in body
    assert 'hx-swap-oob="true"' in body
    assert "You have bid on 1 of 2 proposals: 1 eager, 0 willing" in body
    bid = review_models.Bid.objects.get(reviewer=reviewer)
    assert (bid.proposal.code, bid.level, bid.call_id) == (codes[0], "eager", c.pk)


def test_a_plain_post_saves_and_redirects_back_to_the_row() -> None:
    c, reviewer, client, codes = _world(2)

    response = client.post(_url(c, codes[1]) + "?track=data", {"level": "willing"})

    assert response.status_code == 302
    assert response["Location"] == _url(c) + f"?track=data#bid-{codes[1]}"
    assert review_models.Bid.objects.get(reviewer=reviewer).level == "willing"


def test_changing_and_clearing_a_bid_keeps_one_row() -> None:
    c, _reviewer, client, codes = _world(1)

    client.post(_url(c, codes[0]), {"level": "eager"}, headers=HX)
    client.post(_url(c, codes[0]), {"level": "not_for_me"}, headers=HX)
    assert list(review_models.Bid.objects.values_list("level", flat=True)) == ["not_for_me"]
    client.post(_url(c, codes[0]), {"level": "not_for_me", "clear": "1"}, headers=HX)
    assert not review_models.Bid.objects.exists()


def test_a_conflict_bid_declares_a_conflict_and_drops_unstarted_work() -> None:
    c, reviewer, client, codes = _world(2)
    p = cfp_models.Proposal.objects.get(code=codes[0])
    factories.assign(p, reviewer)

    client.post(_url(c, codes[0]), {"level": "conflict"}, headers=HX)

    conflict = review_models.Conflict.objects.get(reviewer=reviewer)
    assert conflict.proposal_id == p.pk
    assert conflict.reason == bid_services.BID_CONFLICT_REASON
    assert not review_models.Assignment.objects.filter(proposal=p, reviewer=reviewer).exists()
    assert cfp_models.AuditEvent.objects.filter(action="reviewer.conflict_bid").count() == 1


def test_a_conflict_bid_keeps_started_or_pinned_work() -> None:
    c, reviewer, client, codes = _world(2)
    started = cfp_models.Proposal.objects.get(code=codes[0])
    pinned = cfp_models.Proposal.objects.get(code=codes[1])
    factories.assign(started, reviewer)
    review_models.Assignment.objects.create(
        proposal=pinned, reviewer=reviewer, created_at=timezone.now(), manual=True
    )
    now = timezone.now()
    review_models.Review.objects.create(
        proposal=started, reviewer=reviewer, call=c, created_at=now, updated_at=now
    )

    for code in codes:
        client.post(_url(c, code), {"level": "conflict"}, headers=HX)

    assert review_models.Conflict.objects.filter(reviewer=reviewer).count() == 2
    assert review_models.Assignment.objects.filter(reviewer=reviewer).count() == 2


def test_changing_a_conflict_bid_withdraws_only_the_conflict_it_declared() -> None:
    c, reviewer, client, codes = _world(2)
    other = cfp_models.Proposal.objects.get(code=codes[1])
    review_models.Conflict.objects.create(
        proposal=other, reviewer=reviewer, reason="I know them", created_at=timezone.now()
    )

    for code in codes:
        client.post(_url(c, code), {"level": "conflict"}, headers=HX)
        client.post(_url(c, code), {"level": "willing"}, headers=HX)

    assert list(
        review_models.Conflict.objects.filter(reviewer=reviewer).values_list("reason", flat=True)
    ) == ["I know them"]


@pytest.mark.parametrize(
    "closes_in",
    [dt.timedelta(seconds=-1), dt.timedelta(days=-30), None],
    ids=["one second late", "long closed", "never opened"],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_bid_after_the_deadline_is_refused_with_a_message(
    closes_in: dt.timedelta | None, htmx: bool
) -> None:
    c, _reviewer, client, codes = _world(1, open_for=closes_in)

    response = client.post(
        _url(c, codes[0]), {"level": "eager"}, headers=HX if htmx else {}, follow=not htmx
    )

    body = response.content.decode()
    assert not review_models.Bid.objects.exists()
    assert ("Bidding closed on" in body) or ("Bidding is not open" in body)
    assert response.status_code == 200


def test_the_screen_says_when_bidding_is_closed_and_disables_the_controls() -> None:
    c, _r, client, _codes = _world(1, open_for=dt.timedelta(days=-1))

    body = client.get(_url(c)).content.decode()

    assert "Bidding closed on" in body
    assert "<fieldset disabled>" in body


@pytest.mark.parametrize("level", ["", "eagerly", "EAGER", "conflict'--"])
def test_a_bad_level_is_refused_and_nothing_is_written(level: str) -> None:
    c, _r, client, codes = _world(1)

    response = client.post(_url(c, codes[0]), {"level": level}, headers=HX)

    assert response.status_code == 200
    assert "Choose eager, willing, not for me or conflict." in response.content.decode()
    assert not review_models.Bid.objects.exists()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from([*review_models.BidLevel.values, "none"])),
        max_size=12,
    )
)
def test_any_sequence_of_bids_leaves_the_last_choice_per_proposal(
    steps: list[tuple[int, str]],
) -> None:
    # The database is shared by the examples: start each from a clean call.
    cfp_models.Call.objects.all().delete()
    c = factories.call("hypo")
    c.bidding_closes_at = timezone.now() + dt.timedelta(days=1)
    c.save()
    reviewer = factories.user(f"r{cfp_models.Call.objects.values_list('pk', flat=True)[0]}")
    factories.member(c, reviewer, "reviewer")
    codes = [
        factories.proposal(c, factories.user(f"s{reviewer.pk}-{i}"), title=f"T{i}").code
        for i in range(3)
    ]
    expected: dict[str, str] = {}
    for i, level in steps:
        bid_services.place_bid(
            call_id=c.pk, reviewer_id=reviewer.pk, code=codes[i], level=level, now=timezone.now()
        )
        if level == "none":
            expected.pop(codes[i], None)
        else:
            expected[codes[i]] = level

    stored = dict(
        review_models.Bid.objects.filter(reviewer=reviewer).values_list("proposal__code", "level")
    )
    conflicts = set(
        review_models.Conflict.objects.filter(reviewer=reviewer).values_list(
            "proposal__code", flat=True
        )
    )
    assert stored == expected
    assert conflicts == {code for code, level in expected.items() if level == "conflict"}


# --- query budgets: the same for 1 and 3 rows ------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_the_full_page_has_a_fixed_query_budget(n: int, assert_queries: Callable[..., Any]) -> None:
    c, _reviewer, client, codes = _world(n)
    for code in codes:
        client.post(_url(c, code), {"level": "willing"}, headers=HX)

    # session, user, membership; call window, tracks; rows; counts; the menu's roles
    with assert_queries(8):
        response = client.get(_url(c), {"q": "talk", "track": ""})

    body = response.content.decode()
    assert len(ROW.findall(body)) == n
    assert f"You have bid on {n} of {n} proposals: 0 eager, {n} willing" in body


@pytest.mark.parametrize("n", [1, 3])
def test_the_htmx_list_has_a_fixed_query_budget(n: int, assert_queries: Callable[..., Any]) -> None:
    c, _r, client, _codes = _world(n)

    with assert_queries(7):
        response = client.get(_url(c), {"bid": "none"}, headers=HX)

    body = response.content.decode()
    assert len(ROW.findall(body)) == n
    assert "<h1" not in body


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("level", ["eager", "conflict"])
def test_a_bid_post_has_a_fixed_query_budget(
    n: int, level: str, assert_queries: Callable[..., Any]
) -> None:
    c, _r, client, codes = _world(n)
    for code in codes[1:]:
        client.post(_url(c, code), {"level": "willing"}, headers=HX)

    # session, user, membership; proposal and deadline; upsert; conflict (delete, or
    # get-or-create + insert + unstarted assignments + audit); the row; the counts
    with assert_queries(8 if level == "eager" else 11):
        response = client.post(_url(c, codes[0]), {"level": level}, headers=HX)

    assert ROW.findall(response.content.decode()) == [codes[0]]


def test_the_settings_page_has_an_expertise_section_per_call_that_saves() -> None:
    c, reviewer, client, _codes = _world(1)

    page = client.get(reverse("settings")).content.decode()
    client.post(
        reverse("settings"),
        {
            "section": f"expertise-{c.slug}",
            f"expertise-{c.slug}-topics": "caching, Caching, web",
            f"expertise-{c.slug}-statement": "I run a CDN.",
        },
    )

    assert f'id="expertise-{c.slug}"' in page
    profile = review_models.ReviewerExpertise.objects.get(call=c, reviewer=reviewer)
    assert (profile.topics, profile.statement) == ("caching, web", "I run a CDN.")


def test_the_queue_links_to_the_bidding_screen_and_the_expertise_page() -> None:
    from urllib.parse import urljoin

    c, _r, client, _codes = _world(1)
    queue_url = reverse("reviews:queue", args=[c.slug])

    body = client.get(queue_url).content.decode()
    links = re.findall(r'href="((?:bids|expertise)/)"', body)

    assert sorted(urljoin(queue_url, href) for href in links) == [
        _url(c),
        reverse("reviews:expertise", args=[c.slug]),
    ]
    assert all(client.get(urljoin(queue_url, href)).status_code == 200 for href in links)
