"""The scanner judges what reviewers see, not only what the speaker typed (issue 15).

A speaker who wants to be recognised hides a name from the raw text while the rendered page
still shows it: HTML entities, invisible and look-alike characters, Markdown that splits a word,
spaced or joined letters, obfuscated link targets, right-to-left overrides. These tests render
the redacted text as reviewers get it (Markdown through the project's renderer, and as plain
text) and read it with a checker of their own that shares no code with the scanner: an HTML
parser for what a browser shows, NFKC, no format characters, a few look-alikes folded, letters
only. No identity token may be left in that.

All identities are invented; no real talk is copied.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cfp.domain import leaks, markdown
from cfp.domain.leaks import SpeakerIdentity
from tests.domain import test_leaks

# The checker ------------------------------------------------------------------------------------

# Its own small table of look-alikes (Cyrillic, Greek), independent of the scanner's.
LOOK_ALIKES = str.maketrans(
    "аеорсхуіјѕԁԛԝАВЕКМНОРСТХαονρτικΑΒΕΗΙΚΜΝΟΡΤΧ",
    "aeopcxuijsdqwABEKMHOPCTXaovptikABEHIKMNOPTX",
)
RTL_RUN = re.compile("\u202e([^\u202c\n]*)\u202c?")
PUNYCODE = re.compile(r"xn--[a-z0-9-]+", re.IGNORECASE)
# Unicode's Default_Ignorable_Code_Point: drawn as nothing (Hangul fillers are letters that do).
IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


class BrowserText(HTMLParser):
    """The text a browser shows, plus link targets and titles (a click or a hover shows them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.extend(f" {value} " for name, value in attrs if name in {"href", "title"})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _punycode(match: re.Match[str]) -> str:
    try:
        return match.group().lower().encode("ascii").decode("idna")
    except UnicodeError:
        return match.group()


def shown_letters(page: str) -> str:
    """What a reader of the HTML `page` sees, reduced to lower-case letters."""
    parser = BrowserText()
    parser.feed(page)
    parser.close()
    text = html.unescape("".join(parser.parts))
    text = PUNYCODE.sub(_punycode, unquote(text))
    text = RTL_RUN.sub(lambda m: m.group(1)[::-1], text)
    text = IGNORABLE.sub("", unicodedata.normalize("NFKC", text))
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").translate(LOOK_ALIKES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(c for c in text.casefold() if c.isalpha()).replace("y", "u")


def reviewer_views(redacted: str) -> list[str]:
    """The redacted text as reviewers get it: Markdown (descriptions) and plain (the rest)."""
    return [
        shown_letters(markdown.render_markdown(text=redacted)),
        shown_letters(markdown.render_plain(text=redacted)),
    ]


GENERIC = {"systems", "gmbh", "labs", "group", "inc", "ltd", "software", "solutions", "widgets"}


def identity_tokens(speaker: SpeakerIdentity, handle: str) -> set[str]:
    """Surname, given names of four letters or more, handle, distinctive affiliation words."""
    given_names, surname = speaker.name.split()[:-1], speaker.name.split()[-1]
    tokens = {surname, handle, *(g for g in given_names if len(g) >= 4)}
    tokens |= {w for w in re.findall(r"\w+", speaker.affiliation) if w.lower() not in GENERIC}
    return {t.lower().replace("y", "u") for t in tokens}


def leaked(redacted: str, tokens: set[str]) -> set[str]:
    return {t for view in reviewer_views(redacted) for t in tokens if t in view}


def test_the_checker_sees_through_the_tricks_it_is_meant_to_judge() -> None:
    # A check that cannot fail proves nothing: the unredacted tricks must show the name.
    for trick in [
        "Quux&#119;orth",
        "Qu\u200buxworth",
        "Quux\u3164worth",
        "Q\u0443\u0443xworth",
        "Quux**worth**",
    ]:
        assert leaked(trick, {"quuxworth"}) == {"quuxworth"}


# The reproduced attacks -------------------------------------------------------------------------

ZEPHYRINE = SpeakerIdentity(
    name="Zephyrine Quuxworth",
    email="zephyrine@initrode.example",
    affiliation="Initrode Systems GmbH",
    links=("https://github.com/zquux",),
)
ZEPHYRINE_TOKENS = identity_tokens(ZEPHYRINE, "zquux")


REPRODUCED = [
    pytest.param("Read Quux&#119;orth's notes first.", id="decimal entity"),
    pytest.param("Code: [gh](https://git&#104;ub.com/zq&#117;ux).", id="entities in a link"),
    pytest.param("Hello from Zephy\u200brine.", id="zero-width space"),
    pytest.param("Hello from Quux\u00adworth.", id="soft hyphen"),
    pytest.param("Hello from Q\u0443\u0443xworth.", id="Cyrillic look-alikes"),
    pytest.param("Hello from Quux**worth**.", id="strong splits the name"),
    pytest.param("Hello from Zeph*yrine*.", id="emphasis splits the name"),
    pytest.param("Hello from Quux\\\nworth.", id="backslash hard break"),
    pytest.param("Hello from Quux-\nworth.", id="hyphenated line break"),
    pytest.param("Hello from Q u u x w o r t h.", id="spaced letters"),
    pytest.param("Hello from ZQUUXWORTH.", id="initial joined to the surname"),
    pytest.param("Built at Initrode Widgets.", id="affiliation variant"),
]


@pytest.mark.parametrize("text", REPRODUCED)
def test_reproduced_attack_leaves_no_identity_in_what_reviewers_see(text: str) -> None:
    assert leaked(text, ZEPHYRINE_TOKENS), "the attack shows the speaker before redaction"

    redacted = leaks.redact_text(text=text, speakers=[ZEPHYRINE])

    assert leaked(redacted, ZEPHYRINE_TOKENS) == set()


# Other variants of the same classes.
VARIANTS = [
    pytest.param("By \u202ehtrowxuuQ\u202c, with notes.", id="right-to-left override"),
    pytest.param("By Quux&#x77;orth.", id="hex entity"),
    pytest.param("By Quux\u2060worth and Zeph\ufeffyrine.", id="word joiner and BOM"),
    pytest.param("By Quux\u3164worth and Zeph\u115fyrine.", id="Hangul fillers"),
    pytest.param("By Quu\ufe0fxworth and Zeph\U000e0041yrine.", id="variation and tag"),
    pytest.param("By Q\u03bfuxworth.", id="Greek omicron"),
    pytest.param("By Ｑｕｕｘｗｏｒｔｈ.", id="full-width letters"),
    pytest.param("By Quux`worth`.", id="code span"),
    pytest.param("By ![Quux](pic.png)worth.", id="image alt text"),
    pytest.param("By [Quux](https://example.org)worth.", id="link text"),
    pytest.param("See [me](https://github.com/%7Aquux).", id="percent-escaped link"),
    pytest.param("See [me](https://xn--gthub-n4a.com/zquux).", id="punycode host"),
    pytest.param("See [me][1].\n\n[1]: https://git&#104;ub.com/zquux", id="reference link"),
    pytest.param("By Q-u-u-x-w-o-r-t-h and z.quux.", id="dashes between letters"),
]


@pytest.mark.parametrize("text", VARIANTS)
def test_other_variants_of_the_same_tricks_are_redacted(text: str) -> None:
    redacted = leaks.redact_text(text=text, speakers=[ZEPHYRINE])

    assert leaked(redacted, ZEPHYRINE_TOKENS) == set()


def _as_committee_text(text: str) -> str:
    """A note or post as others read it: escaped, line breaks kept (``linebreaksbr``)."""
    return html.escape(text).replace("\n", "<br>")


def _committee_leaks(text: str) -> set[str]:
    letters = shown_letters(_as_committee_text(text))
    return {t for t in ZEPHYRINE_TOKENS if t in letters}


def test_most_tricks_show_the_speaker_in_an_escaped_committee_text() -> None:
    # Entities and Markdown show as typed there; the rest still shows the name, so the test
    # below judges something.
    shown = [p.values[0] for p in REPRODUCED + VARIANTS if _committee_leaks(str(p.values[0]))]

    assert len(shown) >= 20, shown


@pytest.mark.parametrize("text", REPRODUCED + VARIANTS)
def test_committee_notes_and_posts_hide_the_same_tricks(text: str) -> None:
    # Other reviewers' notes and discussion posts pass reviews.domain.discussion.check, which
    # reads the same shadow; they are shown escaped, not as Markdown.
    from reviews.domain import discussion

    shown = discussion.check(text, speakers=[ZEPHYRINE]).shown

    assert _committee_leaks(shown) == set()


def test_a_block_that_still_shows_a_speaker_after_redaction_is_redacted_whole() -> None:
    # Parentheses nested twice in a link destination: the shadow's model of link syntax stops
    # at one level, the renderer does not, so only reading the rendering sees "Quuxworth".
    text = "An honest first paragraph.\n\nBy [Quux](https://example.org/((x)))worth, see."
    assert leaks.scan(text=text, speakers=[ZEPHYRINE]) == ()

    redacted = leaks.redact_text(text=text, speakers=[ZEPHYRINE])

    assert redacted.startswith("An honest first paragraph.\n\n[")
    assert "worth" not in redacted


def test_every_reviewer_visible_field_goes_through_the_same_check() -> None:
    from cfp.domain import redaction

    source = redaction.Source(
        scanned={
            "title": "Q\u0443\u0443xworth on parsers",
            "abstract": "Quux&#119;orth's notes",
            "description": "Zeph*yrine* shows [gh](https://git&#104;ub.com/zq&#117;ux)",
            "notes": "Q u u x w o r t h",
            "q:1": "ZQUUXWORTH at Initrode Widgets",
        },
        speakers=(ZEPHYRINE,),
    )

    result = redaction.redact(source=source)

    for key, text in result.texts.items():
        assert leaked(text, ZEPHYRINE_TOKENS) == set(), key


def test_stored_redactions_read_the_rendering_where_the_shadow_cannot() -> None:
    from cfp.domain import redaction

    # Parentheses nested twice in a link target: only the rendering shows "Quuxworth".
    description = "By [Quux](https://example.org/((x)))worth."
    assert leaks.scan(text=description, speakers=[ZEPHYRINE]) == ()
    source = redaction.Source(scanned={"description": description}, speakers=(ZEPHYRINE,))

    result = redaction.redact(source=source)

    assert leaked(result.texts["description"], ZEPHYRINE_TOKENS) == set()
    assert result.findings, "the widened block is a finding the chair sees"


# Properties over invented identities ------------------------------------------------------------

SYLLABLES = ["zor", "vex", "qua", "lim", "bru", "dak", "fen", "wix", "tho", "gav", "plo", "kez"]
# The honest vocabulary of the scanner's own property tests.
FILLER = test_leaks.FILLER_WORDS
INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u200e",
    "\u2066",
    "\u3164",  # Hangul filler: a letter (Lo) a browser draws as nothing
    "\uffa0",
    "\ufe0f",
]
CYRILLIC: dict[str, str | int | None] = {
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "x": "х",
    "i": "і",
    "s": "ѕ",
}


def word(draw: st.DrawFn, syllables: int) -> str:
    return "".join(draw(st.sampled_from(SYLLABLES)) for _ in range(syllables))


@st.composite
def identities(draw: st.DrawFn) -> tuple[SpeakerIdentity, str]:
    given_name = word(draw, draw(st.integers(2, 3))).capitalize()
    surname = word(draw, draw(st.integers(2, 4))).capitalize()
    handle = (given_name[0] + surname[:4]).lower() + draw(st.sampled_from(["", "dev", "42"]))
    company = word(draw, 3).capitalize()
    suffix = draw(st.sampled_from(["Systems GmbH", "Labs Ltd", "Software Inc", "Group"]))
    speaker = SpeakerIdentity(
        name=f"{given_name} {surname}",
        affiliation=f"{company} {suffix}",
        links=(f"https://github.com/{handle}",),
    )
    return speaker, handle


def _entity(ch: str, style: int) -> str:
    return [f"&#{ord(ch)};", f"&#x{ord(ch):x};", f"&#X{ord(ch):X};"][style]


@st.composite
def disguised(draw: st.DrawFn, token: str) -> str:
    """`token` under one to three tricks a page would still show as the token."""
    for _ in range(draw(st.integers(1, 3))):
        trick = draw(st.integers(0, 9))
        at = draw(st.integers(1, max(1, len(token) - 1)))
        if trick == 0 and token.isalpha():
            token = token.translate(str.maketrans(CYRILLIC))
        elif trick == 1 and token.isalpha():
            token = token[:at] + _entity(token[at], draw(st.integers(0, 2))) + token[at + 1 :]
        elif trick == 2 and "&" not in token:  # not inside an entity: that shows it as typed
            token = token[:at] + draw(st.sampled_from(INVISIBLE)) + token[at:]
        elif trick == 3 and token.isalpha():
            mark = draw(st.sampled_from(["**", "*", "`", "_"]))
            token = token[:at] + mark + token[at:] + mark
        elif trick == 4 and token.isalpha():
            token = token[:at] + draw(st.sampled_from(["\\\n", "-\n", " \n"])) + token[at:]
        elif trick == 5 and token.isalpha():
            token = draw(st.sampled_from([" ", "-", ".", " . "])).join(token)
        elif trick == 6:
            token = draw(st.sampled_from([token.upper(), token.swapcase(), token.title()]))
        elif trick == 7 and token.isalpha():
            token = f"[{token[:at]}](https://example.org){token[at:]}"
        elif trick == 8 and token.isalpha():
            token = "\u202e" + token[::-1] + "\u202c"
        elif trick == 9 and token.isalpha():
            token = f"![{token[:at]}](x.png){token[at:]}"
    return token


@st.composite
def attacks(draw: st.DrawFn) -> tuple[SpeakerIdentity, str, str]:
    speaker, handle = draw(identities())
    given_name, surname = speaker.name.split()
    company = speaker.affiliation.split()[0]
    pieces = [draw(st.sampled_from(FILLER)) for _ in range(draw(st.integers(0, 6)))]
    for _ in range(draw(st.integers(1, 3))):
        target = draw(
            st.sampled_from([surname, given_name, company, handle, given_name[0] + surname, "link"])
        )
        if target == "link":
            host = draw(st.sampled_from(["github.com", "gitlab.com", "twitter.com"]))
            path = (
                "".join(
                    _entity(c, 0) if draw(st.booleans()) else f"%{ord(c):02X}" for c in handle[:2]
                )
                + handle[2:]
            )
            leak = f"[slides](https://{host}/{path})"
        else:
            leak = draw(disguised(target))
        pieces.insert(draw(st.integers(0, len(pieces))), leak)
    return speaker, handle, " ".join(pieces) + "."


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attacks())
def test_no_identity_token_reaches_the_reviewer_whatever_the_disguise(
    case: tuple[SpeakerIdentity, str, str],
) -> None:
    speaker, handle, text = case

    redacted = leaks.redact_text(text=text, speakers=[speaker])

    assert leaked(redacted, identity_tokens(speaker, handle)) == set(), (text, redacted)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attacks())
def test_the_scan_alone_sees_what_the_rendering_shows(
    case: tuple[SpeakerIdentity, str, str],
) -> None:
    # Without reading the rendering: the shadow models the link and image syntax that joins a
    # name across a destination ("[Quux](…)worth"), so the scan needs no Markdown renderer.
    speaker, handle, text = case

    redacted = leaks.redact(text=text, findings=leaks.scan(text=text, speakers=[speaker]))

    assert leaked(redacted, identity_tokens(speaker, handle)) == set(), (text, redacted)


LINKS_THAT_JOIN = [
    pytest.param("By [Quux](https://example.org)worth.", id="inline link"),
    pytest.param("By ![Quux](x.png)worth.", id="image"),
    pytest.param("By [Quux][1]worth.\n\n[1]: https://example.org", id="reference link"),
    pytest.param('By [Quux](https://github.com/zquux "t")worth.', id="profile link and title"),
    pytest.param("By [Quux](<https://github.com/zquux>)worth.", id="profile link in angles"),
    pytest.param("By [Quux](https://example.org/(a)b)worth.", id="parentheses in the target"),
    pytest.param("By [Quux](https://example.org/[x])worth.", id="brackets in the target"),
    pytest.param("By [[Quux]](https://example.org)worth.", id="nested brackets"),
    pytest.param('By [Quux](https://example.org "a [b] c")worth.', id="brackets in the title"),
]


@pytest.mark.parametrize("text", LINKS_THAT_JOIN)
def test_link_syntax_that_joins_a_name_is_read_without_rendering(text: str) -> None:
    assert leaked(text, ZEPHYRINE_TOKENS), "the link shows the speaker before redaction"

    redacted = leaks.redact(text=text, findings=leaks.scan(text=text, speakers=[ZEPHYRINE]))

    assert leaked(redacted, ZEPHYRINE_TOKENS) == set()


HONEST_MARKUP = [
    "**{}**",
    "*{}*",
    "`{}`",
    "[{}](https://docs.python.org/3/)",
    "{} &amp; co",
    "{}\\\n",
    "- {}\n",
    "{}",
    "{}",
]


@st.composite
def honest_texts(draw: st.DrawFn) -> str:
    words = [draw(st.sampled_from(FILLER)) for _ in range(draw(st.integers(1, 30)))]
    return " ".join(draw(st.sampled_from(HONEST_MARKUP)).format(w) for w in words)


@settings(max_examples=300, deadline=None)
@given(case=identities(), text=honest_texts())
def test_honest_text_without_the_identity_is_unchanged(
    case: tuple[SpeakerIdentity, str], text: str
) -> None:
    speaker, handle = case
    letters = "".join(c for c in text.lower() if c.isalpha()).replace("y", "u")
    assume(not any(t in letters for t in identity_tokens(speaker, handle)))

    assert leaks.redact_text(text=text, speakers=[speaker]) == text
