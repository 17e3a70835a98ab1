"""Canary crawl: reviewers fetch everything they can reach; no speaker detail may come back.

Every speaker has invented, unique values for each piece of identity and programme data, and the
proposals' own text names them too, so the leak scanner has to redact them. Three reviewers then
fetch every page, fragment, form answer and error they can reach; each body, header and cookie is
searched for every canary.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cfp import models as cfp_models
from cfp import services as cfp_services
from reviews import models as review_models
from reviews.queries import others_reviews
from reviews.services import discussion as discussion_services
from reviews.services import invitations
from reviews.services import tags as tag_services
from tests import factories

pytestmark = pytest.mark.django_db

PROPOSALS = 52
SYLLABLES = ("zor", "vex", "quil", "thra", "brin", "mok", "dral", "fyn", "gux", "keld", "plim")
ENDINGS = ("ax", "wyn", "ott", "ique", "usk", "ehl")
# Words that name programme attributes: a reviewer page must not even mention them.
PROGRAMME_WORDS = ("first-time", "first time", "mentor", "additional language", "region")
# Issue 25: planted in a mentoring thread, a suggestion and a draft; no reviewer may receive them.
MENTORING_CANARIES = ("Threadzorvexquil", "Suggestbrinmokax", "Draftplimgukwyn", "Draftkeldfynott")
ORDERINGS = ("", "title", "-title", "format", "track", "language")
STATUSES = ("", "todo", "done", "abstained", "changed")


@dataclass(frozen=True)
class Canary:
    first: str
    last: str
    email: str
    bio: str
    affiliation: str
    links: tuple[str, str]
    region: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def needles(self) -> tuple[str, ...]:
        host = self.links[1].split("/")[2]
        return (
            self.first,
            self.last,
            self.email,
            self.email.split("@")[0],
            self.bio,
            self.affiliation,
            self.affiliation.split()[0],
            *self.links,
            host,
            self.region,
        )


def _canaries() -> Iterator[Canary]:
    pairs = itertools.product(SYLLABLES, SYLLABLES, ENDINGS)
    for i, (a, b, end) in enumerate(pairs):
        first = (a + b + end).capitalize()
        last = (b + a + SYLLABLES[i % len(SYLLABLES)] + "ssen").capitalize()
        yield Canary(
            first=first,
            last=last,
            email=f"{first.lower()}.{last.lower()}@{last.lower()}-mail.example",
            bio=f"Biocanary{i:03d}",
            affiliation=f"{last}corp Foundry",
            links=(f"https://github.com/{first.lower()}{i}", f"https://{last.lower()}.dev/talks"),
            region=f"Regioncanary{i:03d}",
        )


def _speaker(c: Canary, *, user: Any | None, i: int) -> cfp_models.Speaker:
    """A signed-up speaker's profile, or (without `user`) an imported co-speaker of their own."""
    fields = {
        "name": c.name,
        "email": c.email,
        "bio": f"{c.bio}: {c.first} speaks at meetups.",
        "affiliation": c.affiliation,
        "links": list(c.links),
        "region": c.region,
        "spoken_before": i % 2 == 0,
        "wants_mentor": i % 3 == 0,
        "english_additional": i % 4 == 0,
    }
    if user is None:
        return cfp_models.Speaker.objects.create(**fields)
    speaker, _created = cfp_models.Speaker.objects.update_or_create(user=user, defaults=fields)
    return speaker


def _texts(c: Canary, co: Canary | None, i: int, version: int) -> cfp_services.ProposalData:
    also = f" Co-presented with {co.name} ({co.email})." if co else ""
    return cfp_services.ProposalData(
        title=f"Lessons from {c.name} on caching, part {i}"
        if i % 3 == 0
        else f"Caching patterns, part {i}",
        abstract=f"Hi, I'm {c.name} ({c.email}). Version {version} of a talk on caching.{also}",
        description=f"Slides: {c.links[1]}\n\nFollow me at {c.links[0]}. Mail {c.email}. "
        f"The **plan** for version {version}.",
        notes=f"My name is {c.name}; I work at {c.affiliation}. Reach me at {c.email}.",
        format_slug="tutorial" if i % 4 == 0 else "talk",
        track_slug="data" if i % 2 else "web",
        language="es" if i % 5 == 0 else "en",
    )


@dataclass
class Seeded:
    call: cfp_models.Call
    reviewers: list[Any]
    codes: list[str]
    strangers: list[str]
    canaries: list[Canary]


def _seed() -> Seeded:
    call = factories.call("canary")
    cfp_models.Format.objects.create(call=call, slug="tutorial", name="Tutorial", slots=1)
    chair = factories.user("chair")
    factories.member(call, chair, "chair")
    reviewers = [factories.user(f"reviewer{i}") for i in range(3)]
    for r in reviewers:
        factories.member(call, r, "reviewer")
    pool = _canaries()
    canaries: list[Canary] = []
    codes: list[str] = []
    strangers: list[str] = []
    now = timezone.now()
    for i in range(PROPOSALS + 2):
        c = next(pool)
        co = next(pool) if i % 5 == 0 else None
        canaries.extend([c] if co is None else [c, co])
        owner = factories.user(f"speaker{i}", first_name=c.name, email=c.email)
        _speaker(c, user=owner, i=i)
        code = cfp_services.submit_proposal(
            call_slug=call.slug, owner=owner, data=_texts(c, co, i, 1), token=f"t{i}", now=now
        )
        proposal = cfp_models.Proposal.objects.get(code=code)
        if co is not None:
            cfp_models.ProposalSpeaker.objects.create(
                proposal=proposal, speaker=_speaker(co, user=None, i=i + 1), position=1
            )
            cfp_services.rescan_proposal(proposal=proposal)
        if i >= PROPOSALS:
            strangers.append(code)
            continue
        codes.append(code)
        for r in reviewers:
            factories.assign(proposal, r)
    _plant_mentoring(call, codes[0], now=now)
    return Seeded(call, reviewers, codes, strangers, canaries)


def _plant_mentoring(call: cfp_models.Call, code: str, *, now: dt.datetime) -> None:
    """A mentored proposal with a thread and an open suggestion, and a stranger's draft."""
    mentor = factories.user("mentor", first_name="Mentor Person")
    factories.member(call, mentor, "mentor")
    proposal = cfp_models.Proposal.objects.get(code=code)
    cfp_models.MentoringRequest.objects.create(proposal=proposal, asked_at=now)
    cfp_models.MentorMatch.objects.create(proposal=proposal, mentor=mentor, matched_at=now)
    cfp_models.MentoringPost.objects.create(
        proposal=proposal, author=mentor, body=f"{MENTORING_CANARIES[0]} reads well", created_at=now
    )
    cfp_models.MentoringSuggestion.objects.create(
        proposal=proposal,
        author=mentor,
        original="Version",
        replacement=MENTORING_CANARIES[1],
        created_at=now,
    )
    cfp_services.submit_proposal(
        call_slug=call.slug,
        owner=factories.user("drafter"),
        data=cfp_services.ProposalData(
            title=MENTORING_CANARIES[2],
            abstract=MENTORING_CANARIES[3],
            notes=MENTORING_CANARIES[3],
            format_slug="talk",
        ),
        token="draft",
        now=now,
        draft=True,
    )


def _review(s: Seeded, reviewer: Any, code: str, **fields: Any) -> None:
    proposal = cfp_models.Proposal.objects.get(code=code)
    review_models.Review.objects.create(
        call=s.call,
        proposal=proposal,
        reviewer=reviewer,
        scores=fields.pop("scores", {"relevance": 4, "clarity": 3}),
        proposal_version=proposal.version,
        created_at=timezone.now(),
        updated_at=timezone.now(),
        comment=f"Private note of {reviewer.username}",
        **fields,
    )


def _history(s: Seeded) -> None:
    """Reviews in every state, then speakers edit some proposals after they were scored."""
    for k, code in enumerate(s.codes):
        for j, r in enumerate(s.reviewers):
            if (k + j) % 4 == 0:
                _review(s, r, code)
            elif (k + j) % 4 == 1:
                _review(s, r, code, scores={}, abstained=True, abstain_reason="Out of my depth")
    by_name = {c.name: c for c in s.canaries}
    for k, code in enumerate(s.codes):
        if k % 3:
            continue
        p = cfp_models.Proposal.objects.get(code=code)
        speakers = list(p.speaker_links.values_list("speaker__name", flat=True))
        main = by_name[speakers[0]]
        co = by_name[speakers[1]] if len(speakers) > 1 else None
        cfp_services.update_proposal(
            call_slug=s.call.slug,
            code=code,
            user_id=p.owner_id or 0,
            data=_texts(main, co, k, 2),
            now=timezone.now(),
        )


def _everything(response: HttpResponse | Any) -> str:
    parts = [_without_aria_roles(_without_own_address(response)) if not response.streaming else ""]
    parts.extend(f"{k}: {v}" for k, v in response.items())
    parts.extend(f"{k}={m.value}" for k, m in response.cookies.items())
    return "\n".join(parts)


def _without_own_address(response: HttpResponse | Any) -> str:
    """The body, less the language switcher's ``next``, which repeats the address the reviewer
    asked for (query string included, so a speaker's name the crawler typed comes back there):
    that echo is the reviewer's own input, not something the page told them."""
    text: str = response.content.decode(errors="replace")
    request = getattr(response, "wsgi_request", None)
    if request is None:
        return text
    own = f'name="next" value="{escape(request.get_full_path())}"'
    return text.replace(own, 'name="next" value=""')


def _without_aria_roles(text: str) -> str:
    """ARIA's role names are markup, not programme words: a scrolling table is a
    ``role="region"`` (issue 18), which says nothing of a speaker's region."""
    return text.replace('role="region"', 'role=""')


class Crawler:
    def __init__(self, s: Seeded) -> None:
        self.needles = sorted(
            {n.lower() for c in s.canaries for n in c.needles()}
            | set(PROGRAMME_WORDS)
            | {n.lower() for n in MENTORING_CANARIES}
        )
        self.fetched = 0
        self.hits: list[str] = []

    def found(self, text: str) -> list[tuple[str, int]]:
        # Plain substring tests: a regex alternation of ~700 needles is a hundred times slower.
        low = text.lower()
        return [(n, low.index(n)) for n in self.needles if n in low]

    def check(self, label: str, response: Any) -> Any:
        self.fetched += 1
        text = _everything(response)
        for needle, at in self.found(text):
            context = text[max(0, at - 60) : at + len(needle) + 60].replace("\n", " ")
            self.hits.append(f"{label} [{response.status_code}]: {needle!r} in …{context}…")
        return response


def _queue_queries(s: Seeded) -> list[dict[str, str]]:
    out: list[dict[str, str]] = [{}]
    out += [{"track": t} for t in ("web", "data")]
    out += [{"format": f} for f in ("talk", "tutorial")]
    out += [{"language": lang} for lang in ("en", "es")]
    out += [{"status": st} for st in STATUSES if st]
    out += [{"ordering": o} for o in ORDERINGS if o]
    out += [{"track": "data", "language": "en", "status": "todo", "ordering": "-title"}]
    # Speaker fields are not filters: these must be ignored, not leak through errors.
    name = s.canaries[0].name
    out += [
        {"speaker": name},
        {"ordering": "speaker_links__speaker__name"},
        {"speaker_links__speaker__email": s.canaries[0].email},
    ]
    return out


def _crawl(s: Seeded, crawler: Crawler, reviewer: Any, index: int) -> None:
    client = Client()
    client.force_login(reviewer)
    slug = s.call.slug
    queue_url = reverse("reviews:queue", args=[slug])
    for query in _queue_queries(s):
        label = f"{reviewer.username} queue {query}"
        crawler.check(label, client.get(queue_url, query))
        crawler.check(label + " hx", client.get(queue_url, query, headers={"HX-Request": "true"}))
    crawler.check(
        "history restore",
        client.get(
            queue_url,
            {"track": "web"},
            headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        ),
    )
    for code in s.codes:
        url = reverse("reviews:screen", args=[slug, code])
        label = f"{reviewer.username} screen {code}"
        crawler.check(label, client.get(url))
        crawler.check(label + " hx", client.get(url, headers={"HX-Request": "true"}))
        if code in s.codes[:5]:
            # What "Save & next" fetches: the whole page, for <main>; the same body as above.
            crawler.check(
                label + " hx main",
                client.get(
                    url, {"track": "web"}, headers={"HX-Request": "true", "HX-Target": "main"}
                ),
            )
        bad = {"score_relevance": "4", "comment": "kept", "action": "save"}
        crawler.check(label + " invalid", client.post(url, bad))
        crawler.check(label + " invalid hx", client.post(url, bad, headers={"HX-Request": "true"}))
    # Saving, Save & next and abstaining on a few proposals: their answers and where they lead.
    for code in s.codes[index : index + 3]:
        url = reverse("reviews:screen", args=[slug, code]) + "?ordering=title"
        good = {"score_relevance": "5", "score_clarity": "4", "confidence": "3"}
        crawler.check(
            "save hx", client.post(url, {**good, "action": "save"}, headers={"HX-Request": "true"})
        )
        saved = client.post(url, {**good, "action": "save"})
        crawler.check("save", saved)
        crawler.check("after save", client.get(saved["Location"]))
        nxt = client.post(
            url, {**good, "action": "next", "next_code": code}, headers={"HX-Request": "true"}
        )
        crawler.check("next hx", nxt)
        path = json.loads(nxt["HX-Location"])["path"]
        crawler.check("next page", client.get(path, headers={"HX-Request": "true"}))
        crawler.check(
            "abstain", client.post(url, {"action": "abstain", "abstain_reason": "conflict"})
        )
    _crawl_bids(s, crawler, client, index)
    _crawl_committee(s, crawler, client, reviewer)
    # Errors: proposals not assigned to this reviewer, and a bad recusal reason.
    for code in s.strangers:
        url = reverse("reviews:screen", args=[slug, code])
        crawler.check("404 get", client.get(url))
        crawler.check("404 hx get", client.get(url, headers={"HX-Request": "true"}))
        crawler.check("404 post", client.post(url, {"action": "save"}))
        crawler.check("404 recuse", client.post(reverse("reviews:recuse", args=[slug, code])))
    crawler.check(
        "recuse invalid",
        client.post(reverse("reviews:recuse", args=[slug, s.codes[-1]]), {"reason": "x" * 300}),
    )
    # Stepping back from one proposal, and where that leads.
    recused = client.post(reverse("reviews:recuse", args=[slug, s.codes[index + 10]]))
    crawler.check("recuse", recused)
    crawler.check("after recuse", client.get(recused["Location"]))
    # Chair pages stay closed to reviewers.
    for name in ("reviewers:list", "chair:dashboard", "chair:mentoring"):
        url = reverse(name, args=[slug])
        crawler.check(name, _unechoed(client.get(url), url))
    # Issue 25: the mentoring pages of the mentored proposal, and a draft's code.
    draft = cfp_models.Proposal.objects.get(title=MENTORING_CANARIES[2])
    for code in (s.codes[0], draft.code):
        for name in ("cfp:mentoring", "mentor_proposal", "reviews:screen", "cfp:mine_detail"):
            url = reverse(name, args=[slug, code])
            crawler.check(f"{name} {code}", _unechoed(client.get(url), url))
            posted = client.post(url, {"action": "post", "body": "x"})
            crawler.check(f"{name} {code} post", _unechoed(posted, url))
    home = reverse("mentor_home", args=[slug])
    crawler.check("mentor home", _unechoed(client.get(home), home))
    crawler.check("volunteer", client.post(reverse("mentor_volunteer", args=[slug]), follow=True))
    # The invitation pages: a fresh link (form, invalid answer), a wrong one, and signed out.
    invitations.invite_reviewers(
        call_id=s.call.pk,
        emails=[f"again{index}@example.org"],
        invited_by_id=None,
        accept_url="http://testserver/review/canary/invitation/TOKEN/",
        now=timezone.now(),
    )
    body = cfp_models.EmailOutbox.objects.order_by("-id").values_list("body", flat=True)[0]
    found = re.search(r"http://testserver(/\S+/)", body)
    assert found is not None
    link = found.group(1)
    crawler.check("accept get", client.get(link))
    crawler.check("accept invalid", client.post(link, {"max_load": "many"}))
    crawler.check("accept anonymous", Client().get(link))
    crawler.check("accept wrong", client.get(link.replace("/invitation/", "/invitation/x")))


# Issue 21: a tag only chairs see; no reviewer page may name it.
CHAIR_ONLY_TAG = "Chaironlytagquilthra"


def _plant_committee(s: Seeded) -> None:
    """Tags (one reviewer-visible, one chairs-only) on every proposal, and a discussion on the
    first proposals whose chair post names the speakers; issue 21."""
    chair = cfp_models.Membership.objects.get(call=s.call, role="chair").user
    now = timezone.now()
    shown = tag_services.create_tag(
        call_id=s.call.pk,
        name="Keynote candidate",
        reviewer_visible=True,
        actor_id=chair.pk,
        now=now,
    )
    hidden = tag_services.create_tag(
        call_id=s.call.pk, name=CHAIR_ONLY_TAG, reviewer_visible=False, actor_id=chair.pk, now=now
    )
    for code in s.codes:
        p = cfp_models.Proposal.objects.get(code=code)
        tag_services.set_proposal_tags(
            call_id=s.call.pk, proposal_id=p.pk, tag_ids=[shown, hidden], actor_id=chair.pk, now=now
        )
    by_name = {c.name: c for c in s.canaries}
    for code in s.codes[:6]:
        p = cfp_models.Proposal.objects.get(code=code)
        names = list(p.speaker_links.values_list("speaker__name", flat=True))
        discussion_services.open_thread(
            call_id=s.call.pk, proposal_id=p.pk, actor_id=chair.pk, now=now
        )
        c = by_name[names[0]]
        discussion_services.post(
            call_id=s.call.pk,
            proposal_id=p.pk,
            author_id=chair.pk,
            author_is_chair=True,
            body=f"Is this {c.name} ({c.email}, {c.affiliation})? Ask {c.first.lower()}.",
            speakers=others_reviews.speakers_of(p.pk),
            now=now,
        )


def _crawl_committee(s: Seeded, crawler: Crawler, client: Client, reviewer: Any) -> None:
    """Others' reviews, the discussion, search and tags, as this reviewer reaches them."""
    slug = s.call.slug
    mine = set(
        review_models.Review.objects.filter(reviewer=reviewer).values_list(
            "proposal__code", flat=True
        )
    )
    for code in s.codes[:8]:
        for name in ("reviews:others_reviews", "reviews:discussion"):
            url = reverse(name, args=[slug, code])
            for headers in ({}, {"HX-Request": "true"}):
                body = crawler.check(f"{name} {code}", client.get(url, headers=headers))
                text = body.content.decode()
                assert CHAIR_ONLY_TAG.lower() not in text.lower()
                if code not in mine:
                    # No other reviewer's score or note before one's own review.
                    assert "Private note of" not in text, f"{name} {code} before own review"
                    assert 'class="other-review"' not in text
        url = reverse("reviews:discussion", args=[slug, code])
        for text in ("Sound structure.", "I know who this is.", ""):
            crawler.check(f"post {code}", client.post(url, {"body": text}))
            crawler.check(
                f"post hx {code}", client.post(url, {"body": text}, headers={"HX-Request": "true"})
            )
    queue_url = reverse("reviews:queue", args=[slug])
    tag_id = str(review_models.Tag.objects.get(name="Keynote candidate").pk)
    hidden_id = str(review_models.Tag.objects.get(name=CHAIR_ONLY_TAG).pk)
    first_tokens = [c.first.lower() for c in s.canaries[:10]]
    random_hits = client.get(queue_url, {"q": "qwzxv"}).content.decode().count("<tr class=")
    for query in (
        {"tag": tag_id},
        {"tag": hidden_id},
        {"q": "qwzxv"},
        *({"q": token} for token in first_tokens),
    ):
        response = client.get(queue_url, query)
        text = response.content.decode()
        assert CHAIR_ONLY_TAG.lower() not in text.lower()
        if "q" in query:
            # No oracle: a speaker's name finds what a string found nowhere finds.
            assert text.count("<tr class=") == random_hits, query
            # The page repeats what the reviewer typed (the search box, links that keep the
            # filter): that echo is theirs, not a leak.
            typed = query["q"]
            for echo in (f'value="{typed}"', f"q={typed}"):
                text = text.replace(echo, "")
            response.content = text.encode()
        crawler.check(f"queue {query}", response)


def _unechoed(response: Any, url: str) -> Any:
    """The response without the address the reviewer asked for (the page may repeat it, as the
    language switcher's ``next``): a mentoring URL names mentoring, its answer must not."""
    if not response.streaming:
        response.content = response.content.decode().replace(url, "").encode()
    return response


def _crawl_bids(s: Seeded, crawler: Crawler, client: Client, index: int) -> None:
    """The bidding screen under its filters, each kind of bid and its answers, the profile."""
    cfp_models.Call.objects.filter(pk=s.call.pk).update(
        bidding_closes_at=timezone.now() + dt.timedelta(days=1)
    )
    slug = s.call.slug
    url = reverse("reviews:bids", args=[slug])
    c = s.canaries[index]
    queries: list[dict[str, str]] = [
        {},
        {"track": "web"},
        {"track": "data", "q": "caching"},
        {"bid": "none"},
        {"bid": "eager"},
        {"page": "2"},
        {"q": c.first},
        {"q": c.email},
        {"q": c.affiliation},
        {"speaker": c.name},
        {"ordering": "speaker_links__speaker__name"},
    ]
    for query in queries:
        page = client.get(url, query)
        if query.get("q"):
            # The search box shows what the reviewer typed: only the rest of the page counts.
            typed = f'value="{escape(query["q"])}"'
            assert typed in page.content.decode()
            page.content = page.content.decode().replace(typed, 'value=""').encode()
        crawler.check(f"bids {query}", page)
        crawler.check(f"bids {query} hx", client.get(url, query, headers={"HX-Request": "true"}))
    levels = ("eager", "willing", "not_for_me", "conflict", "", "bogus")
    for k, code in enumerate([*s.codes[index : index + 6], *s.strangers]):
        bid_url = reverse("reviews:bid", args=[slug, code]) + "?track=web"
        level = levels[k % len(levels)]
        crawler.check(
            f"bid {level} hx",
            client.post(bid_url, {"level": level}, headers={"HX-Request": "true"}),
        )
        crawler.check(f"bid {level}", client.post(bid_url, {"level": level}, follow=True))
    crawler.check("bids after", client.get(url))
    expertise = reverse("reviews:expertise", args=[slug])
    crawler.check("expertise", client.get(expertise))
    crawler.check("expertise save", client.post(expertise, {"topics": "caching"}, follow=True))
    # Bidding closed: the page and a refused bid say so, and still name nobody.
    cfp_models.Call.objects.filter(pk=s.call.pk).update(
        bidding_closes_at=timezone.now() - dt.timedelta(days=1)
    )
    crawler.check("bids closed", client.get(url))
    crawler.check(
        "bid closed hx",
        client.post(
            reverse("reviews:bid", args=[slug, s.codes[index]]),
            {"level": "eager"},
            headers={"HX-Request": "true"},
        ),
    )


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_reviewer_never_receives_a_speakers_identity_or_programme_data(index: int) -> None:
    # One reviewer a test, so that the three crawls run in parallel; each sees the others' reviews.
    s = _seed()
    _history(s)
    _plant_committee(s)
    crawler = Crawler(s)
    # Control: the matcher finds the canaries where they are (the unredacted text).
    raw = cfp_models.Proposal.objects.values_list("abstract", "notes")
    assert all(crawler.found(a) and crawler.found(n) for a, n in raw)
    assert len(s.canaries) > PROPOSALS

    _crawl(s, crawler, s.reviewers[index], index)

    assert crawler.fetched > PROPOSALS * 4
    assert not crawler.hits, f"{len(crawler.hits)} leaks, first ones:\n" + "\n".join(
        crawler.hits[:20]
    )


def test_the_crawl_sees_changed_proposals_and_their_diff() -> None:
    s = _seed()
    _history(s)
    client = Client()
    client.force_login(s.reviewers[0])

    body = client.get(reverse("reviews:queue", args=[s.call.slug]), {"status": "changed"})
    codes = re.findall(r'href="/review/canary/(\w+)/', body.content.decode())
    screen = client.get(reverse("reviews:screen", args=[s.call.slug, codes[0]]))

    assert codes
    assert "What changed since your review" in screen.content.decode()


SPEAKER_PARAMS: list[dict[str, str]] = [
    {"speaker": "{name}"},
    {"speaker_name": "{name}"},
    {"speaker_links__speaker__name": "{name}"},
    {"proposal__speaker_links__speaker__name": "{name}"},
    {"proposal__speaker_links__speaker__email": "{email}"},
    {"ordering": "speaker_links__speaker__name"},
    {"ordering": "-proposal__speaker_links__speaker__name"},
    {"ordering": "proposal__speaker_links__speaker__email"},
    {"ordering": "title,proposal__speaker_links__speaker__name"},
    {"ordering": "proposal__owner__first_name"},
]
BASES: list[dict[str, str]] = [{}, {"track": "web"}, {"ordering": "title"}]
ROW = re.compile(r'href="/review/canary/(\w+)/')


def test_filtering_or_ordering_by_a_speaker_field_is_ignored() -> None:
    # One seeded call for every combination: seeding 50 proposals is the slow part.
    s = _seed()
    client = Client()
    client.force_login(s.reviewers[0])
    url = reverse("reviews:queue", args=[s.call.slug])
    target = s.canaries[1]
    differing = []

    for params, base in itertools.product(SPEAKER_PARAMS, BASES):
        speaker = {k: v.format(name=target.name, email=target.email) for k, v in params.items()}
        if "ordering" in speaker:
            # A speaker ordering takes the ordering's place: the queue falls back to its default.
            base = {k: v for k, v in base.items() if k != "ordering"}
        expected = ROW.findall(client.get(url, base).content.decode())
        got = ROW.findall(client.get(url, base | speaker).content.decode())
        assert len(expected) >= PROPOSALS // 2
        if got != expected:
            differing.append(f"{base | speaker}")

    assert not differing


def test_speaker_name_order_differs_from_the_queue_order_so_the_check_above_can_fail() -> None:
    s = _seed()
    names: dict[str, str] = {}
    for code, name in cfp_models.ProposalSpeaker.objects.filter(
        proposal__code__in=s.codes
    ).values_list("proposal__code", "speaker__name"):
        names[code] = min(names.get(code, name), name)
    by_name = sorted(s.codes, key=lambda code: names[code])
    client = Client()
    client.force_login(s.reviewers[0])

    body = client.get(reverse("reviews:queue", args=[s.call.slug])).content.decode()

    assert re.findall(r'href="/review/canary/(\w+)/', body) != by_name


def test_an_expired_invitation_page_names_no_speaker() -> None:
    s = _seed()
    client = Client()
    client.force_login(s.reviewers[0])
    crawler = Crawler(s)
    invitations.invite_reviewers(
        call_id=s.call.pk,
        emails=["late@example.org"],
        invited_by_id=None,
        accept_url="http://testserver/review/canary/invitation/TOKEN/",
        now=timezone.now() - dt.timedelta(days=30),
    )
    body = cfp_models.EmailOutbox.objects.get(to="late@example.org").body
    found = re.search(r"http://testserver(/\S+/)", body)
    assert found is not None

    response = crawler.check("expired", client.get(found.group(1)))

    assert response.status_code == 410
    assert not crawler.hits
