"""The identity-leak scanner: what it flags, what it leaves alone, and how it redacts.

All proposal text here is invented for the tests; no real talk is copied.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cfp.domain import leaks
from cfp.domain.leaks import Finding, FindingKind, SpeakerIdentity

JANE = SpeakerIdentity(name="Jane Doe")


def kinds_and_texts(text: str, *speakers: SpeakerIdentity) -> list[tuple[str, str]]:
    return [(f.kind.value, f.text) for f in leaks.scan(text=text, speakers=speakers)]


def flagged(text: str, *speakers: SpeakerIdentity) -> list[str]:
    return [f.text for f in leaks.scan(text=text, speakers=speakers)]


# Names ------------------------------------------------------------------------------------------


def test_full_name_is_flagged_as_one_finding() -> None:
    assert kinds_and_texts("Jane Doe will show the parser.", JANE) == [("name", "Jane Doe")]


def test_distinctive_surname_alone_is_flagged() -> None:
    speaker = SpeakerIdentity(name="Amara Nakamura-Okafor")

    assert flagged("Benchmarks from Nakamura-Okafor's lab.", speaker) == ["Nakamura-Okafor"]


@pytest.mark.parametrize(
    ("speaker_name", "text", "expected"),
    [
        ("José Núñez", "Talk by jose nunez about parsers.", "jose nunez"),
        ("Jose Nunez", "Talk by JOSÉ NÚÑEZ about parsers.", "JOSÉ NÚÑEZ"),
        ("Łukasz Wróbel", "lukasz wrobel shows the way", "lukasz wrobel"),
        ("Søren Ødegård", "soren odegard shows the way", "soren odegard"),
        ("Jürgen Gröber", "Slides by Juergen Groeber.", "Juergen Groeber"),
    ],
)
def test_names_match_without_accents_or_case(speaker_name: str, text: str, expected: str) -> None:
    assert flagged(text, SpeakerIdentity(name=speaker_name)) == [expected]


def test_span_of_decomposed_accent_covers_the_combining_mark() -> None:
    text = "Hola, soy Jose\u0301 Nun\u0303ez."
    speaker = SpeakerIdentity(name="José Núñez")

    (finding,) = leaks.scan(text=text, speakers=[speaker])

    assert text[finding.start : finding.end] == "Jose\u0301 Nun\u0303ez"


def test_span_after_expanding_characters_points_into_the_original() -> None:
    text = "ﬁrst, Straße und ½ Tasse, then Kowalczyk spoke."
    speaker = SpeakerIdentity(name="Ewa Kowalczyk")

    (finding,) = leaks.scan(text=text, speakers=[speaker])

    assert finding.text == "Kowalczyk"
    assert text[finding.start : finding.end] == "Kowalczyk"


@pytest.mark.parametrize(
    ("speaker_name", "text"),
    [
        ("Jane Doe", "As Doerr noted, the cache is cold."),  # Doe is not a prefix match
        ("Ann Lee", "Anderson's results are in the appendix."),
        ("Ann Lee", "We announce the annual planning."),
        ("Don Okonkwo", "You don't need a database for that."),
    ],
)
def test_name_parts_only_match_whole_words(speaker_name: str, text: str) -> None:
    assert flagged(text, SpeakerIdentity(name=speaker_name)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See Doe's benchmark.", "Doe"),
        ("The jane_doe account.", "jane_doe"),
        ("DOE, J. et al.", "DOE"),
    ],
)
def test_name_parts_match_next_to_punctuation(text: str, expected: str) -> None:
    assert flagged(text, JANE) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "This will scale and you may grace us with hope.",
        "Will it scale? May be. Grace periods help.",
        "Call max() on the list, then mark it.",
    ],
)
def test_common_words_in_names_are_not_flagged_alone(text: str) -> None:
    speakers = [SpeakerIdentity(name="Will May"), SpeakerIdentity(name="Grace Max Mark")]

    assert flagged(text, *speakers) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Presented by Will May and friends.", "Will May"),
        ("presented by will may and friends.", "will may"),  # the full name, in order
        ("Presented by May, Will.", "May, Will"),  # surname first, as in citations
        ("Thanks to Will, May and the team.", None),  # given name first: a list, not a name
    ],
)
def test_common_word_names_match_as_a_run(text: str, expected: str | None) -> None:
    found = flagged(text, SpeakerIdentity(name="Will May"))

    assert found == ([expected] if expected else [])


def test_surname_first_takes_along_the_given_name() -> None:
    assert flagged("Cited as Doe, Jane (2021).", JANE) == ["Doe, Jane"]


def test_lone_common_given_name_is_not_flagged() -> None:
    assert flagged("John wrote the first draft.", SpeakerIdentity(name="John Okafor")) == []


def test_common_given_name_is_flagged_when_it_is_the_surname() -> None:
    assert flagged("John's slides.", SpeakerIdentity(name="Aled John")) == ["John"]


@pytest.mark.parametrize("intro", ["Hi, I'm John", "Hello, my name is John", "I am John"])
def test_common_given_name_after_an_introduction_is_flagged(intro: str) -> None:
    text = f"{intro} and this is my first talk."

    names = [f.text for f in leaks.scan(text=text, speakers=[SpeakerIdentity(name="John Okafor")])]

    assert "John" in " ".join(names)


def test_particles_join_the_surname() -> None:
    speaker = SpeakerIdentity(name="Pieter van Oosterwijk")

    assert flagged("Ask van Oosterwijk.", speaker) == ["van Oosterwijk"]


def test_particles_alone_are_not_flagged() -> None:
    speaker = SpeakerIdentity(name="Lucía de la Fuentecilla")

    assert flagged("La casa de la playa es grande.", speaker) == []


def test_joined_form_of_a_hyphenated_given_name_is_flagged() -> None:
    speaker = SpeakerIdentity(name="Park Ji-woo")

    assert flagged("Hello, Park Jiwoo here.", speaker) == ["Park Jiwoo"]


@pytest.mark.parametrize(
    ("speaker_name", "text", "expected"),
    [
        ("山田太郎", "私は山田太郎です。", "山田太郎"),
        ("Олег Малинович", "Доклад: Малинович и кэш.", "Малинович"),
    ],
)
def test_names_in_other_scripts_are_flagged(speaker_name: str, text: str, expected: str) -> None:
    assert flagged(text, SpeakerIdentity(name=speaker_name)) == [expected]


def test_names_of_every_speaker_are_flagged() -> None:
    speakers = [SpeakerIdentity(name="Jane Doe"), SpeakerIdentity(name="Priya Raghunathan")]

    found = flagged("Doe and Raghunathan pair on it.", *speakers)

    assert found == ["Doe", "Raghunathan"]


def test_distinctive_parts_leave_out_common_words_and_short_parts() -> None:
    assert leaks.distinctive_parts(name="Dr. Will Li Nakamura") == ("nakamura",)


# Emails and handles ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["program@conf.example.org", "jane.doe+cfp@example.co.uk", "jane [at] example [dot] com"],
)
def test_any_email_address_is_flagged(address: str) -> None:
    text = f"Questions: {address}, any time."

    assert kinds_and_texts(text, SpeakerIdentity(name="Sam Okoro")) == [("email", address)]


def test_email_containing_the_name_is_one_email_finding() -> None:
    assert kinds_and_texts("Write to jane.doe@example.org today.", JANE) == [
        ("email", "jane.doe@example.org")
    ]


@pytest.mark.parametrize(
    "handle",
    ["@someone_else", "@jdoe", "@jane@fosstodon.org", "@jane.bsky.social"],
)
def test_any_handle_is_flagged(handle: str) -> None:
    text = f"Follow {handle} for updates."

    assert kinds_and_texts(text, JANE) == [("handle", handle)]


@pytest.mark.parametrize(
    "text",
    [
        "Use @property and @staticmethod wisely.",
        "Routes use @app.route('/') and @pytest.mark.slow.",
        "Decorate with @lru_cache(maxsize=None).",
        "Install @types/node first.",
        "Wrap it:\n\n    @retrying\n    def fetch():\n        pass\n",
        "Icons @2x look sharp. Meet at 10 @ noon.",
        "Use `@given` from Hypothesis.",
    ],
)
def test_decorators_and_other_at_signs_are_not_handles(text: str) -> None:
    assert flagged(text, JANE) == []


# Links ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/someone/project",
        "github.com/jdoe-dev",
        "https://gitlab.com/someone",
        "https://twitter.com/someone",
        "https://x.com/someone",
        "https://www.linkedin.com/in/someone-123/",
        "https://hachyderm.io/@someone",
        "https://social.example.net/@someone",
        "https://bsky.app/profile/someone.bsky.social",
        "https://speakerdeck.com/someone/a-talk",
        "https://www.slideshare.net/someone/a-talk",
        "https://someone.github.io/slides/",
        "git+https://github.com/someone/project",
    ],
)
def test_profile_links_are_flagged(url: str) -> None:
    text = f"Details: {url} and more."

    assert kinds_and_texts(text, SpeakerIdentity(name="Sam Okoro")) == [("link", url)]


@pytest.mark.parametrize(
    "url",
    [
        "https://janedoe.dev/talks",
        "https://blog.example.com/jdoe/2024/pandas",
        "https://example.org/people/jane-doe",
        "slides.example.com/doe/parsers",
    ],
)
def test_links_containing_a_name_part_are_flagged(url: str) -> None:
    assert kinds_and_texts(f"Slides: {url}", JANE) == [("link", url)]


@pytest.mark.parametrize(
    "text",
    [
        "Read https://docs.python.org/3/library/re.html first.",
        "See www.example.com/guide and peps.python.org/pep-0008/.",
        "The https://github.com/features page lists them.",
        "Call numpy.array or os.path.join in code.",
    ],
)
def test_plain_links_are_not_flagged(text: str) -> None:
    assert flagged(text, JANE) == []


def test_speakers_own_site_is_flagged_anywhere_on_it() -> None:
    speaker = SpeakerIdentity(name="Sam Okoro", links=("https://notes.example.net/",))

    found = kinds_and_texts("More at https://notes.example.net/posts/1 today.", speaker)

    assert found == [("link", "https://notes.example.net/posts/1")]


def test_username_from_a_speakers_profile_link_is_flagged_in_text() -> None:
    speaker = SpeakerIdentity(name="Sam Okoro", links=("https://github.com/sokodev",))

    assert kinds_and_texts("Ask sokodev on the forum.", speaker) == [("handle", "sokodev")]


def test_trailing_punctuation_stays_out_of_a_link() -> None:
    assert flagged("(see https://github.com/jdoe).", JANE) == ["https://github.com/jdoe"]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        # A parenthesis the link does not open ends it, wherever it stands.
        ("[me](https://github.com/jdoe)talks", "https://github.com/jdoe"),
        ("(https://github.com/jdoe)and more", "https://github.com/jdoe"),
        # Its own pairs stay in it.
        ("https://jdoe.github.io/posts/(draft)/1 ok", "https://jdoe.github.io/posts/(draft)/1"),
    ],
)
def test_a_link_ends_before_a_parenthesis_it_does_not_open(text: str, link: str) -> None:
    assert flagged(text, JANE) == [link]


# Affiliations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("affiliation", "text", "expected"),
    [
        ("Initech GmbH", "Lessons from Initech.", "Initech"),
        ("Initech GmbH", "Lessons from INITECH GmbH.", "INITECH GmbH"),
        ("Acme Widgets, Inc.", "At acme widgets we ship.", "acme widgets"),
    ],
)
def test_affiliation_is_flagged_without_its_legal_suffix(
    affiliation: str, text: str, expected: str
) -> None:
    speaker = SpeakerIdentity(name="Sam Okoro", affiliation=affiliation)

    assert kinds_and_texts(text, speaker) == [("affiliation", expected)]


@pytest.mark.parametrize("affiliation", ["Independent", "Self-employed", "N/A", "Student"])
def test_non_identifying_affiliations_are_ignored(affiliation: str) -> None:
    speaker = SpeakerIdentity(name="Sam Okoro", affiliation=affiliation)

    assert flagged("An independent student review, self-employed or n/a.", speaker) == []


# Phrases ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        "I work at",
        "my team at",
        "our company",
        "at my company",
        "I am the author of",
        "I'm the maintainer of",
        "I’m the maintainer of",
        "I maintain",
        "I created",
        "my talk last year at",
        "as I said at",
        "my blog",
        "my previous talk",
        "I'm a core developer of",
        "last year's talk",
        "talk I gave",
        "I gave a talk",
    ],
)
def test_self_identifying_phrases_are_flagged(phrase: str) -> None:
    text = f"Some context: {phrase} the usual place, then the talk."

    found = kinds_and_texts(text, JANE)

    assert [kind for kind, _ in found] == ["phrase"]
    assert found[0][1].lower().startswith(phrase.lower())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I work at Initech Labs on billing.", "I work at Initech Labs"),
        ("I created `fastparse` in 2019.", "I created `fastparse`"),
        ("Here at Initech, we ship daily.", "Here at Initech"),
        ("I am a data engineer at Initech.", "I am a data engineer at Initech"),
        ("Last year at PyCon Lithuania we met.", "Last year at PyCon Lithuania"),
        ("We built f2xparse for this.", "We built f2xparse"),
    ],
)
def test_phrase_takes_along_the_name_that_follows(text: str, expected: str) -> None:
    assert flagged(text, JANE) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "We at least need a cache. Here at the start we parse.",
        "I wrote a small script; we built a toy model.",
        "The economy of my own time.",
    ],
)
def test_common_phrasings_without_a_name_are_not_flagged(text: str) -> None:
    assert flagged(text, JANE) == []


ORDINARY_TECHNICAL_TEXT = """\
Asynchronous Python in practice

This talk will walk through asyncio, trio and anyio. We will build a small crawler,
measure it with time.perf_counter() and profile it; you may be surprised where the time
goes. Mark the hot paths, cache them with @functools.cache, and keep max() out of loops.

Reading list: https://docs.python.org/3/library/asyncio.html and peps.python.org.
The audience will leave with a checklist. No prior knowledge of event loops is needed; it
helps to know what a generator is. Grace periods, retries and timeouts are covered too.
"""


def test_ordinary_technical_text_has_no_findings() -> None:
    speakers = [
        SpeakerIdentity(name="Mark Young", affiliation="Independent"),
        SpeakerIdentity(name="Grace Will", links=("https://github.com/gwill",)),
    ]

    assert leaks.scan(text=ORDINARY_TECHNICAL_TEXT, speakers=speakers) == ()


# Merging, redaction, explanations -------------------------------------------------------------


def test_overlapping_candidates_merge_into_their_union_named_by_the_longest() -> None:
    # The phrase takes along the identifier-shaped "jane.doe", which starts the email.
    text = "Hello, I work at jane.doe@initech.example now."

    findings = leaks.scan(text=text, speakers=[JANE])

    assert [(f.kind, f.text) for f in findings] == [
        (FindingKind.EMAIL, "I work at jane.doe@initech.example")
    ]


def test_a_name_inside_a_link_is_reported_as_the_link() -> None:
    assert kinds_and_texts("Code: https://example.org/jane-doe/parser", JANE) == [
        ("link", "https://example.org/jane-doe/parser")
    ]


@pytest.mark.parametrize("kind", list(FindingKind))
def test_redaction_marker_names_the_kind(kind: FindingKind) -> None:
    finding = Finding(kind=kind, start=4, end=9, text="xxxxx")

    assert leaks.redact(text="abc xxxxx def", findings=[finding]) == f"abc [{kind.value}] def"


def test_redact_text_replaces_every_finding() -> None:
    text = "Jane Doe (@jdoe, jane@example.org) maintains it; see github.com/jdoe."

    redacted = leaks.redact_text(text=text, speakers=[JANE])

    assert redacted == "[name] ([handle], [email]) maintains it; see [link]."


def test_ignored_span_stays_in_the_redacted_text() -> None:
    text = "Jane Doe spoke about Doe's theorem."
    theorem = text.index("Doe's")

    redacted = leaks.redact_text(text=text, speakers=[JANE], ignored=[(theorem, theorem + 3)])

    assert redacted == "[name] spoke about Doe's theorem."


def test_ignored_spans_that_match_no_finding_change_nothing() -> None:
    text = "Jane Doe spoke."

    assert leaks.redact_text(text=text, speakers=[JANE], ignored=[(9, 14)]) == "[name] spoke."


@pytest.mark.parametrize("kind", list(FindingKind))
def test_every_kind_has_a_one_sentence_explanation(kind: FindingKind) -> None:
    sentence = leaks.explain(kind)

    assert sentence.endswith(".")
    assert sentence.count(". ") == 0


def test_explanations_differ_per_kind() -> None:
    assert len({leaks.explain(kind) for kind in FindingKind}) == len(FindingKind)


# Properties ------------------------------------------------------------------------------------

NAME_LETTERS = "abcdefghijklmnopqrstuvwxyzáàâäãåçéèêëíìîïñóòôöõøúùûüýÿłśšžćčğışøæœß"
FILLER_WORDS = [
    "the",
    "parser",
    "uses",
    "a",
    "cache",
    "and",
    "we",
    "measure",
    "latency",
    "with",
    "queues",
    "while",
    "users",
    "wait",
    "for",
    "results",
    "from",
    "nine",
    "workers",
    "on",
    "three",
    "hosts",
    "during",
    "peak",
    "traffic",
]
SEPARATORS = [" ", ", ", ". ", "\n", " (", ") ", " - ", ": "]

name_token = st.text(alphabet=NAME_LETTERS, min_size=3, max_size=10)


def _strip_accents(token: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


# The test's own folding, so that a broken `leaks.fold` cannot hide its own misses.
_UNDECOMPOSED = str.maketrans({"ø": "o", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss"})


def _own_fold(text: str) -> str:
    return _strip_accents(text.casefold()).translate(_UNDECOMPOSED)


def _variant(token: str, style: int) -> str:
    return [token.capitalize(), token.upper(), token.lower(), _strip_accents(token).title()][style]


@st.composite
def text_with_names(draw: st.DrawFn) -> tuple[str, str]:
    tokens = draw(st.lists(name_token, min_size=1, max_size=3))
    name = " ".join(t.capitalize() for t in tokens)
    pieces: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        if draw(st.booleans()):
            token = draw(st.sampled_from(tokens))
            pieces.append(_variant(token, draw(st.integers(min_value=0, max_value=3))))
        else:
            pieces.append(draw(st.sampled_from(FILLER_WORDS)))
        pieces.append(draw(st.sampled_from(SEPARATORS)))
    return name, "".join(pieces)


@settings(max_examples=250, deadline=None)
@given(text_with_names())
def test_redacted_text_contains_none_of_the_distinctive_name_parts(
    case: tuple[str, str],
) -> None:
    name, text = case
    parts = leaks.distinctive_parts(name=name)
    assume(parts)

    redacted = _own_fold(leaks.redact_text(text=text, speakers=[SpeakerIdentity(name)]))

    for part in map(_own_fold, parts):
        assert re.search(rf"(?<![^\W_]){re.escape(part)}(?![^\W_])", redacted) is None


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=300),
    names=st.lists(st.text(min_size=1, max_size=30), max_size=3),
    affiliation=st.text(max_size=20),
)
def test_findings_are_sorted_disjoint_and_inside_the_text(
    text: str, names: list[str], affiliation: str
) -> None:
    speakers = [SpeakerIdentity(name=n, affiliation=affiliation) for n in names]

    findings = leaks.scan(text=text, speakers=speakers)

    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.text == text[finding.start : finding.end]
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), name=st.text(min_size=1, max_size=30))
def test_redaction_without_findings_is_the_identity(text: str, name: str) -> None:
    speakers = [SpeakerIdentity(name=name)]
    assume(not leaks.scan(text=text, speakers=speakers))

    assert leaks.redact_text(text=text, speakers=speakers) == text
    assert leaks.redact(text=text, findings=()) == text
