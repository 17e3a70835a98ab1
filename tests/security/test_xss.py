"""Cross-site scripting: hostile text in every field a person types, on every page that shows it.

For each payload of the corpus, one world is built where every piece of user text carries it:
the call's name and description, formats, tracks, criteria, custom questions and their answers,
the proposal's title, abstract, description and notes, the speaker's name, bio, affiliation,
region and links, reviewers' names, review notes and feedback, a decision note, the decision
e-mail, the self-described diversity answer and a chair's diversity question. Every page that
shows one of them is fetched as the role that sees it (plain and htmx; chairs before and after
the reveal) and the HTML is parsed:

* no element carries an ``on*`` attribute, and no URL attribute holds ``javascript:``,
  ``vbscript:`` or ``data:``;
* every ``hx-*``/``data-hx-*`` attribute is one our templates use, and none sits inside an
  ``hx-disable`` block;
* ``<script>`` elements are our static files only, and the page has exactly as many scripts,
  frames, objects, SVGs, styles, images and the like as with harmless text;
* every block of rendered Markdown (``div.user-content``) is an ``hx-disable`` element;
* each field's marker is on the pages that show it (so the checks can fail), and wherever a
  plain-text field shows, its whole text is there as text: escaped, not interpreted
  (``{{ 7*7 }}`` stays ``{{ 7*7 }}``). Reviewers and blind chairs get the proposal's text with
  identity tokens blacked out, so only the markers are required there.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp import services as cfp_services
from diversity import models as diversity_models
from diversity import services as diversity_services
from reviews import models as review_models
from reviews.services import curation
from tests import factories, outbox_helpers
from tests.security.conftest import body
from tests.test_access import _names

pytestmark = pytest.mark.django_db

PAYLOADS: tuple[str, ...] = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)' x='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](java&#x09;script:alert(1))",
    "<javascript:alert(1)>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](https://evil.example/track.gif)",
    '<a href="javascript:alert(1)">raw link</a>',
    '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<a hx-get="/chair/pycon/export.csv">htmx link</a>',
    '<div hx-on:click="alert(1)">htmx on</div>',
    '<div data-hx-post="/chair/pycon/decisions/send/" data-hx-trigger="load">x</div>',
    '<div hx-trigger="load" hx-get="/chair/pycon/export.csv" hx-target="body">x</div>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    "<style>body{display:none}</style>",
    '<form action="https://evil.example/"><input name="x"></form>',
    "{{ 7*7 }} {% debug %} {{ request.user.password }}",
    "{call.__class__} {title!r} {0} %(title)s",
    "\u202egnp.exe <b>bold</b>",
)
HARMLESS = "Plain words"

# --- the world --------------------------------------------------------------------------------

FIELDS = (
    "call_name",
    "call_description",
    "format",
    "track",
    "criterion",
    "guidance",
    "question",
    "answer",
    "title",
    "abstract",
    "description",
    "notes",
    "speaker",
    "bio",
    "affiliation",
    "region",
    "reviewer",
    "comment",
    "feedback",
    "decision_note",
    "template",
    "self_describe",
    "diversity_question",
)
# Fields rendered as Markdown (sanitised HTML): their payload is not shown literally.
MARKDOWN_FIELDS = frozenset({"call_description", "description"})


def marker(name: str) -> str:
    # Letters only, so that neither Markdown nor the leak scanner touches it.
    return "Qz" + name.replace("_", "").capitalize() + "Qz"


@dataclass
class XssWorld:
    call: cfp_models.Call
    proposal: cfp_models.Proposal
    users: dict[str, Any]
    texts: dict[str, str]

    def client(self, role: str) -> Client:
        c = Client()
        if role != "anonymous":
            c.force_login(self.users[role])
        return c


def xss_world(payload: str) -> XssWorld:
    """Every piece of user text carries ``payload`` after its field's marker."""
    now = timezone.now()
    t = {name: f"{marker(name)} {payload}" for name in FIELDS}
    c = factories.call("pycon")
    c.name, c.description = t["call_name"][:200], t["call_description"]
    c.save(update_fields=["name", "description"])
    cfp_models.Format.objects.filter(call=c).update(name=t["format"][:100])
    cfp_models.Track.objects.filter(call=c, slug="web").update(name=t["track"][:100])
    cfp_models.Criterion.objects.filter(call=c, slug="relevance").update(
        name=t["criterion"][:100], guidance=t["guidance"]
    )
    question = cfp_models.Question.objects.create(
        call=c,
        label=t["question"][:300],
        help_text=t["question"][:500],
        kind="short_text",
        visibility="reviewers",
    )
    users = {
        "submitter": factories.user("sam", first_name=t["speaker"][:150]),
        "reviewer": factories.user("rita", first_name=t["reviewer"][:150]),
        "chair": factories.user("chad", first_name=f"Chad {payload}"[:150]),
    }
    factories.member(c, users["reviewer"], "reviewer")
    factories.member(c, users["chair"], "chair")
    code = cfp_services.submit_proposal(
        call_slug=c.slug,
        owner=users["submitter"],
        data=cfp_services.ProposalData(
            title=t["title"][:250],
            abstract=t["abstract"],
            description=t["description"],
            notes=t["notes"],
            format_slug="talk",
            track_slug="web",
            answers=(cfp_services.AnswerInput(question_id=question.pk, value=t["answer"][:300]),),
        ),
        token="xss",
        now=now,
    )
    cfp_services.save_speaker_profile(
        user=users["submitter"],
        data=cfp_services.ProfileData(
            name=t["speaker"][:200],
            bio=t["bio"],
            affiliation=t["affiliation"][:200],
            links=("https://example.org/talks",),
            region=t["region"][:100],
            spoken_before=False,
        ),
    )
    # An import may bring any link; it must still be shown as text, never as a live link.
    cfp_models.Speaker.objects.filter(user=users["submitter"]).update(
        links=["https://example.org/talks", "javascript:alert(1)", payload]
    )
    p = cfp_models.Proposal.objects.get(code=code)
    factories.assign(p, users["reviewer"])
    review_models.Review.objects.create(
        proposal=p,
        reviewer=users["reviewer"],
        call=c,
        scores={"relevance": 4, "clarity": 3},
        score=7.5,
        confidence=4,
        comment=t["comment"],
        feedback=t["feedback"],
        created_at=now,
        updated_at=now,
    )
    run = review_models.AggregationRun.objects.create(
        call=c,
        state=review_models.RunState.DONE,
        requested_at=now - dt.timedelta(minutes=1),
        finished_at=now,
        inputs_until=now,
    )
    review_models.ProposalScore.objects.create(
        run=run,
        proposal=p,
        review_count=1,
        mean=7.5,
        median=7.5,
        calibrated=7.5,
        low=6.0,
        high=9.0,
        rank=1,
        p_in_slots=0.9,
        flags=[],
    )
    curation.decide(
        call_id=c.pk,
        code=code,
        to_status="accepted",
        seen_version=0,
        reason="other",
        note=t["decision_note"][:2000],
        actor_id=users["chair"].pk,
        now=now,
    )
    literal = t["template"].replace("{", "{{").replace("}", "}}")
    review_models.DecisionTemplate.objects.create(
        call=c,
        status="accepted",
        subject=f"Accepted: {{title}} {literal}"[:300],
        body=f"Dear {{speaker}},\n{literal}\n{{feedback}}",
        include_feedback=True,
        updated_at=now,
    )
    outbox_helpers.send_all(
        call_id=c.pk, actor_id=users["chair"].pk, approve_feedback=True, now=now
    )
    diversity_services.save_answers(
        user_id=users["submitter"].pk,
        answers={
            "gender": diversity_services.AnswerData(
                value=diversity_models.SELF_DESCRIBE, text=t["self_describe"][:200]
            )
        },
        consent_version=diversity_models.CONSENT_VERSION,
        now=now,
    )
    diversity_services.add_question(
        call_id=c.pk,
        label=t["diversity_question"][:200],
        options=[t["diversity_question"][:200], "Industry"],
        self_describe=True,
        now=now,
    )
    diversity_services.build_report(call_id=c.pk, now=now)
    p.refresh_from_db()
    return XssWorld(call=c, proposal=p, users=users, texts=t)


# --- the pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    key: str
    role: str
    name: str
    revealed: bool = False
    query: str = ""
    # Markers that must be in the page's text (plain requests; fragments show less).
    shows: frozenset[str] = frozenset()
    # The proposal's text as reviewers get it, with identity tokens blacked out.
    redacted: bool = False

    def url(self, w: XssWorld) -> str:
        kwargs = {"slug": w.call.slug, "code": w.proposal.code}
        wanted = _converters(self.name)
        return reverse(self.name, kwargs={k: v for k, v in kwargs.items() if k in wanted}) + (
            self.query.replace("CODE", w.proposal.code)
        )


@functools.cache
def _converters(name: str) -> frozenset[str]:
    pattern = dict(_names(get_resolver()))[name]
    return frozenset(getattr(pattern.pattern, "converters", {}))


# Chair pages and the markers each must show. Custom answers are on no chair page (yet).
CHAIR_PAGES: dict[str, set[str]] = {
    "chair:dashboard": {"title", "reviewer"},
    "chair:shortlist": {"title", "format", "track"},
    "curation:proposal": {"title", "abstract", "description", "notes", "comment", "feedback"},
    "curation:displacement": set(),
    "curation:emails": {"call_name"},
    "curation:reveal": set(),
    "reviewers:list": {"reviewer"},
    "callsettings:settings": {"call_name", "format", "track", "criterion", "question"},
    "callsettings:findings": set(),
    "callsettings:reopen": set(),
    "diversity:report": set(),
    "diversity:questions": {"diversity_question"},
    "chair:aggregation_status": set(),
}
REVEALED_ONLY = {"curation:proposal": {"speaker", "bio", "affiliation", "region"}}
EXCERPTS = frozenset({"callsettings:findings"})
PROPOSAL_TEXT = frozenset({"title", "abstract", "description", "notes", "answer"})


def _pages() -> tuple[Page, ...]:
    pages = [
        Page("home", "anonymous", "home", shows=frozenset({"call_name"})),
        Page("call", "anonymous", "cfp:call", shows=frozenset({"call_name", "call_description"})),
        Page("mine", "submitter", "cfp:mine", shows=frozenset({"title"})),
        Page(
            "mine_detail",
            "submitter",
            "cfp:mine_detail",
            shows=frozenset({"title", "feedback", "question"}),
        ),
        Page("submit", "submitter", "cfp:submit", shows=frozenset({"question", "format"})),
        Page("profile", "submitter", "profile"),
        Page("self_id", "submitter", "diversity:self_id"),
        Page("queue", "reviewer", "reviews:queue", shows=frozenset({"title"}), redacted=True),
        Page(
            "screen",
            "reviewer",
            "reviews:screen",
            shows=frozenset({"title", "abstract", "description", "notes", "criterion", "guidance"}),
            redacted=True,
        ),
        Page(
            "preview",
            "chair",
            "curation:preview",
            query="?code=CODE",
            shows=frozenset({"template"}),
            redacted=True,
        ),
    ]
    for revealed in (False, True):
        for name, shows in CHAIR_PAGES.items():
            extra = REVEALED_ONLY.get(name, set()) if revealed else set()
            pages.append(
                Page(
                    f"{name}{'-revealed' if revealed else ''}",
                    "chair",
                    name,
                    revealed=revealed,
                    shows=frozenset(shows | extra),
                    redacted=not revealed,
                )
            )
    return tuple(pages)


PAGES = _pages()

# --- parsing ----------------------------------------------------------------------------------

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc", "background"}
)
# Elements our templates place a fixed number of times, whatever the data: user text that
# turned into markup would change their count. (Forms and inputs vary with the scanner's
# findings, so they are not counted; they are covered by the literal-text check.)
COUNTED_TAGS = frozenset(
    {"script", "iframe", "frame", "object", "embed", "svg", "math", "style", "link", "meta"}
    | {"base", "video", "audio", "img", "details", "template"}
)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


@functools.cache
def template_hx_names() -> frozenset[str]:
    """Every ``hx-*`` attribute name our templates and scripts use."""
    found: set[str] = set()
    for base in (Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "static" / "js"):
        for path in base.rglob("*"):
            if path.suffix in {".html", ".js"}:
                found |= set(re.findall(r"\b(?:data-)?hx-[a-z:-]+", path.read_text()))
    return frozenset(found)


def is_hx(name: str) -> bool:
    return name.startswith(("hx-", "data-hx-"))


@dataclass
class Inspection:
    problems: list[str] = field(default_factory=list)
    tags: Counter[str] = field(default_factory=Counter)
    text: list[str] = field(default_factory=list)
    # Escaped text in a .user-content element without hx-disable: inert, but unguarded.
    unguarded: list[str] = field(default_factory=list)


class Inspector(HTMLParser):
    """Walks a page, keeping which ancestors are ``hx-disable`` blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Inspection()
        self.stack: list[tuple[str, bool]] = []
        self.in_script = False

    @property
    def disabled(self) -> bool:
        return any(flag for _tag, flag in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)
        if tag not in VOID:
            names = {name for name, _v in attrs}
            self.stack.append((tag, "hx-disable" in names or "data-hx-disable" in names))
            self.in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.result.problems.append(f"inline script: {data[:80]!r}")
        self.result.text.append(data)

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        r = self.result
        r.tags[tag] += 1
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                r.problems.append(f"<{tag} {name}=…>: an event handler attribute")
            if is_hx(name) and name not in {"hx-disable", "data-hx-disable"}:
                if name not in template_hx_names():
                    r.problems.append(f"<{tag} {name}>: not an attribute of our templates")
                if self.disabled:
                    r.problems.append(f"<{tag} {name}> inside an hx-disable block")
            if (name in URL_ATTRIBUTES or (is_hx(name) and value)) and value is not None:
                scheme = _CONTROL.sub("", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    r.problems.append(f"<{tag} {name}={value[:60]!r}>: a script or data URL")
        if tag == "script":
            src = values.get("src") or ""
            if not src.startswith(settings.STATIC_URL):
                r.problems.append(f"<script src={src!r}>: not one of our static files")
        classes = (values.get("class") or "").split()
        if "user-content" in classes and not ("hx-disable" in values or self.disabled):
            if tag == "div":
                # A div.user-content holds rendered Markdown: HTML that came from a person.
                r.problems.append("<div class=user-content> without hx-disable")
            else:
                r.unguarded.append(f"<{tag} class=user-content>")


def inspect(html: str) -> Inspection:
    parser = Inspector()
    parser.feed(html)
    parser.close()
    return parser.result


# --- crawling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    page: Page
    htmx: bool
    status: int
    inspection: Inspection


def crawl(w: XssWorld) -> list[Fetched]:
    out: list[Fetched] = []
    clients = {role: w.client(role) for role in ("anonymous", "submitter", "reviewer", "chair")}
    for revealed in (False, True):
        if revealed:
            w.call.identities_revealed_at = timezone.now()
            w.call.save(update_fields=["identities_revealed_at"])
        for page in PAGES:
            if page.revealed != revealed:
                continue
            url = page.url(w)
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                response = clients[page.role].get(url, headers=headers)
                out.append(Fetched(page, htmx, response.status_code, inspect(body(response))))
    return out


@functools.cache
def harmless_baseline() -> dict[tuple[str, bool], Counter[str]]:
    """Each page's counted elements with harmless text (built once a process, rolled back)."""
    with transaction.atomic():
        fetched = crawl(xss_world(HARMLESS))
        transaction.set_rollback(True)
    return {(f.page.key, f.htmx): counted(f.inspection) for f in fetched}


def counted(inspection: Inspection) -> Counter[str]:
    return Counter({t: n for t, n in inspection.tags.items() if t in COUNTED_TAGS})


def _flat(text: str) -> str:
    return " ".join(text.split())


def problems_of(f: Fetched, w: XssWorld) -> list[str]:
    where = f"{f.page.role} {f.page.key}{' (htmx)' if f.htmx else ''}"
    problems = [f"{where}: {p}" for p in f.inspection.problems]
    if f.status != 200:
        problems.append(f"{where}: status {f.status}")
    before, now = harmless_baseline()[(f.page.key, f.htmx)], counted(f.inspection)
    if now != before:
        problems.append(
            f"{where}: elements {dict(now - before)} appeared, {dict(before - now)} went"
        )
    text = _flat("".join(f.inspection.text))
    if not f.htmx:
        problems += [
            f"{where}: {name}'s marker is missing"
            for name in sorted(f.page.shows)
            if marker(name) not in text
        ]
    # Wherever a plain-text field shows, its whole text shows as text: escaped, not markup.
    for name in FIELDS:
        if name in MARKDOWN_FIELDS or marker(name) not in text:
            continue
        if name == "template" and f.page.key != "preview":
            continue  # the e-mail page shows the template as saved, braces doubled
        if name in PROPOSAL_TEXT and (f.page.redacted or f.page.name in EXCERPTS):
            # Identity tokens are blacked out for reviewers and blind chairs; the findings page
            # quotes the words around each finding only.
            continue
        if _flat(w.texts[name]) not in text:
            problems.append(f"{where}: {name} is not shown literally")
    return problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_is_inert_on_every_page_that_shows_it(
    payload: str, record_property: Callable[[str, object], None]
) -> None:
    harmless_baseline()  # before this test's world: the baseline's world uses the same slugs
    w = xss_world(payload)

    fetched = crawl(w)
    problems = [p for f in fetched for p in problems_of(f, w)]

    record_property("pages", len(fetched))
    assert len(fetched) == 2 * len(PAGES)
    assert not problems, "\n".join(problems)


PLANTED = {
    '<p onclick="x()">': "event handler",
    '<a href=" jav&#x09;ascript:alert(1)">': "script or data URL",
    '<img src="data:image/png;base64,AAAA">': "script or data URL",
    "<script>alert(1)</script>": "inline script",
    '<script src="https://cdn.example/x.js"></script>': "not one of our static files",
    '<div hx-disable><a hx-get="/x">x</a></div>': "inside an hx-disable block",
    '<div hx-on:click="x()">': "not an attribute of our templates",
    '<div class="user-content"><p>x</p></div>': "without hx-disable",
}


@pytest.mark.parametrize(("html", "expected"), PLANTED.items())
def test_the_inspector_flags_a_planted_violation(html: str, expected: str) -> None:
    problems = inspect(f"<main>{html}</main>").problems

    assert any(expected in p for p in problems), problems


def test_the_inspector_accepts_our_own_markup() -> None:
    html = (
        f'<script src="{settings.STATIC_URL}js/app.js" defer></script>'
        '<form hx-post="/x" hx-target="#y"><input name="a" value="&lt;script&gt;"></form>'
        '<div class="user-content" hx-disable><p><a href="https://example.org/">x</a></p></div>'
    )

    assert inspect(html).problems == []


def test_every_user_content_element_carries_hx_disable() -> None:
    harmless_baseline()
    w = xss_world(PAYLOADS[0])

    unguarded = [
        f"{f.page.key}: {u}" for f in crawl(w) if not f.htmx for u in f.inspection.unguarded
    ]

    assert not unguarded, unguarded
