"""Search and tags (issue 21): the text a member may read, filters by tag, and no oracle.

The no-oracle property runs over generated speaker names: for a reviewer (and a chair who is
still blind), searching any token of any speaker's name returns exactly what searching a random
string returns, although every abstract names its speaker in the text as written.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp.domain.visibility import Phase, Viewer
from reviews import models
from reviews.queries import search
from reviews.services import tags as tag_services
from tests import factories

pytestmark = pytest.mark.django_db

BLIND = Phase(chairs_blind=True, identities_revealed=False)
REVEALED = Phase(chairs_blind=True, identities_revealed=True)


def _names(n: int, seed: int = 21) -> list[str]:
    rng = random.Random(seed)

    def part() -> str:
        return rng.choice(string.ascii_uppercase) + "".join(
            rng.choice("aeiouklmnrstvz") for _ in range(rng.randint(3, 8))
        )

    return [f"{part()} {part()}" for _ in range(n)]


class Searchable:
    def __init__(self, n: int = 12) -> None:
        self.call = factories.call("pycon")
        self.reviewer = factories.user("rita")
        factories.member(self.call, self.reviewer, "reviewer")
        self.chair = factories.user("chad")
        factories.member(self.call, self.chair, "chair")
        self.names = _names(n)
        self.proposals = []
        for i, name in enumerate(self.names):
            owner = factories.user(f"s{i}", first_name=name)
            p = factories.proposal(
                self.call,
                owner,
                title=f"Talk {i} on caching",
                abstract=f"I am {name} and I will explain query planning, part {i}.",
                speaker_name=name,
                speaker_email=f"s{i}@example.org",
            )
            factories.assign(p, self.reviewer)
            self.proposals.append(p)

    def client(self, user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    def queue_codes(self, **query: str) -> list[str]:
        html = (
            self.client(self.reviewer)
            .get(reverse("reviews:queue", args=[self.call.slug]), query)
            .content.decode()
        )
        return re.findall(rf"/review/{self.call.slug}/([A-Z0-9]+)/", html)

    def shortlist_codes(self, **query: str) -> list[str]:
        html = (
            self.client(self.chair)
            .get(reverse("chair:shortlist", args=[self.call.slug]), query)
            .content.decode()
        )
        return sorted(set(re.findall(rf"/chair/{self.call.slug}/proposals/([A-Z0-9]+)/", html)))


@pytest.fixture
def world() -> Searchable:
    return Searchable()


def _ids(world: Searchable, text: str, viewer: Viewer, phase: Phase) -> set[int]:
    found = search.matching(call_id=world.call.pk, text=text, viewer=viewer, phase=phase)
    assert found is not None
    return set(found)


def test_a_speakers_name_token_finds_what_a_random_string_finds(world: Searchable) -> None:
    rng = random.Random(7)
    tokens = {t for name in world.names for t in name.split()}
    for token in sorted(tokens):
        noise = "".join(rng.choice(string.ascii_lowercase) for _ in range(len(token)))
        for viewer, phase in ((Viewer.REVIEWER, BLIND), (Viewer.CHAIR, BLIND)):
            assert _ids(world, token, viewer, phase) == _ids(world, noise, viewer, phase) == set()
            assert _ids(world, token.lower(), viewer, phase) == set()


def test_the_queue_and_the_blind_shortlist_show_no_difference_for_a_name(
    world: Searchable,
) -> None:
    name_token = world.names[3].split()[1]

    assert world.queue_codes(q=name_token) == world.queue_codes(q="zzqqxx") == []
    assert world.shortlist_codes(q=name_token) == world.shortlist_codes(q="zzqqxx") == []


def test_words_of_the_redacted_text_are_found(world: Searchable) -> None:
    found = world.queue_codes(q="planning part 4")

    assert found == [world.proposals[4].code]
    assert len(world.queue_codes(q="caching")) == len(world.proposals)


def test_a_chair_who_knows_the_identities_finds_a_proposal_by_its_speakers_name(
    world: Searchable,
) -> None:
    name = world.names[5]

    blind = _ids(world, name.split()[0], Viewer.CHAIR, BLIND)
    revealed = _ids(world, name.split()[0], Viewer.CHAIR, REVEALED)

    assert blind == set()
    assert world.proposals[5].pk in revealed


# --- tags -----------------------------------------------------------------------------------


def _tag(world: Searchable, name: str, *, reviewers: bool, on: list[int]) -> int:
    now = timezone.now()
    tag_id = tag_services.create_tag(
        call_id=world.call.pk,
        name=name,
        reviewer_visible=reviewers,
        actor_id=world.chair.pk,
        now=now,
    )
    for i in on:
        tag_services.set_proposal_tags(
            call_id=world.call.pk,
            proposal_id=world.proposals[i].pk,
            tag_ids=[tag_id],
            actor_id=world.chair.pk,
            now=now,
        )
    return tag_id


def test_reviewers_filter_by_reviewer_visible_tags_only(world: Searchable) -> None:
    shown = _tag(world, "Keynote candidate", reviewers=True, on=[1, 2])
    hidden = _tag(world, "Chairs only", reviewers=False, on=[3])

    html = world.client(world.reviewer).get(reverse("reviews:queue", args=[world.call.slug]))

    assert sorted(world.queue_codes(tag=str(shown))) == sorted(p.code for p in world.proposals[1:3])
    # A chairs-only tag is no choice for a reviewer: the filter is dropped, nothing is revealed.
    assert world.queue_codes(tag=str(hidden)) == world.queue_codes()
    assert "Keynote candidate" in html.content.decode()
    assert "Chairs only" not in html.content.decode()


def test_the_shortlist_filters_by_any_tag(world: Searchable) -> None:
    hidden = _tag(world, "Chairs only", reviewers=False, on=[3, 4])

    assert world.shortlist_codes(tag=str(hidden)) == sorted(p.code for p in world.proposals[3:5])


def test_the_shortlist_offers_every_tag_of_the_call_by_name(world: Searchable) -> None:
    # The tags travel with the call's row in the shortlist frame (one query for both).
    _tag(world, "Zebra", reviewers=True, on=[])
    hidden = _tag(world, "Chairs only", reviewers=False, on=[])
    _tag(world, "Keynote candidate", reviewers=True, on=[])
    html = (
        world.client(world.chair)
        .get(reverse("chair:shortlist", args=[world.call.slug]))
        .content.decode()
    )
    select = html[html.index('name="tag"') :]
    select = select[: select.index("</select>")]

    assert re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select) == [
        "Chairs only",
        "Keynote candidate",
        "Zebra",
    ]
    assert f'value="{hidden}"' in select


def test_a_chair_creates_a_tag_and_tags_a_proposal_from_its_page(world: Searchable) -> None:
    client = world.client(world.chair)
    p = world.proposals[0]

    client.post(reverse("chair:tags", args=[world.call.slug]), {"name": " Keynote  candidate "})
    tag = models.Tag.objects.get()
    response = client.post(
        reverse("chair:proposal_tags", args=[world.call.slug, p.code]),
        {"tags": [str(tag.pk)]},
        headers={"HX-Request": "true"},
    )

    assert tag.name == "Keynote candidate"
    assert response.status_code == 200
    assert "Tags saved." in response.content.decode()
    assert list(models.ProposalTag.objects.values_list("proposal_id", "tag_id")) == [(p.pk, tag.pk)]
    actions = set(cfp_models.AuditEvent.objects.values_list("action", flat=True))
    assert {"tag.added", "proposal.tagged"} <= actions


def test_a_second_tag_of_the_same_name_is_refused_with_the_text_kept(world: Searchable) -> None:
    client = world.client(world.chair)
    url = reverse("chair:tags", args=[world.call.slug])
    client.post(url, {"name": "Keynote"})

    response = client.post(url, {"name": "Keynote"})

    assert response.status_code == 400
    assert "has a tag “Keynote” already" in response.content.decode()
    assert 'value="Keynote"' in response.content.decode()
    assert models.Tag.objects.count() == 1


@pytest.mark.parametrize("n", [1, 3])
def test_the_tag_pages_run_a_fixed_number_of_queries(
    n: int, assert_queries: Callable[[int], Any]
) -> None:
    w = Searchable(n=2)
    for i in range(n):
        _tag(w, f"Tag {i}", reviewers=bool(i % 2), on=[0])
    client = w.client(w.chair)

    # session, user, role (+navigation), the tags
    with assert_queries(5):
        page = client.get(reverse("chair:tags", args=[w.call.slug]))
    # session, user, role, the proposal, the call's tags, the proposal's tags
    with assert_queries(6):
        part = client.get(
            reverse("chair:proposal_tags", args=[w.call.slug, w.proposals[0].code]),
            headers={"HX-Request": "true"},
        )

    assert page.content.decode().count("<tr><td>") == n
    assert part.content.decode().count('type="checkbox"') == n
