"""The scanner's shortcuts for texts full of one shape give the answers of the plain path.

Each fast path (a compiled pattern for a word met often, grouping of crowded evidence found on
the shadow, the shadow's one-pass translation of other scripts) is checked against the plain
path it replaces, over generated text; the timing they buy is in bench/scan_timing.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfp.domain import leaks
from cfp.domain.leaks import folding, links, names, scanning, visible
from cfp.domain.leaks.kinds import _SPECIFICITY, FindingKind

# Pieces that sit at the edges of the rules: apostrophes and contractions, underscores, digits,
# accented and other-script letters, spaces of several kinds.
PIECES = ["quax", "worth", "'", "t", "ll", "s", "_", "7", "é", "ж", " ", "\u00a0", "-", "."]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=40),
    word=st.sampled_from(["quax", "quaxworth", "worth", "t"]),
)
def test_a_compiled_word_is_found_where_the_word_by_word_check_finds_it(
    pieces: list[str], word: str
) -> None:
    text = "".join(pieces)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(names, "_COMPILE_AT", 10**9)
        checked = list(names._occurrences(text, word))
        patch.setattr(names, "_COMPILE_AT", 0)

        compiled = list(names._occurrences(text, word))

    assert compiled == checked, text


def test_the_compiled_word_respects_contractions_and_word_edges() -> None:
    text = "quax quax's quax't xquax quax7 quax_ quax"
    assert list(names._occurrences(text, "quax")) == list(
        names._occurrences(text * 1, "quax")
    )  # below the threshold: the word-by-word check
    many = " ".join([text] * 10)
    spans = list(names._occurrences(many, "quax"))
    words = {many[s - 1 : e + 3] if s else many[s : e + 3] for s, e in spans}
    # "quax't" (a contraction) and "xquax", "quax7" (inside a word) are not found.
    assert not any("quax't" in w or "xquax" in w or "quax7" in w for w in words), words
    assert len(spans) == 10 * 4  # quax, quax's, quax_ and the last quax of each copy


def test_crowded_evidence_on_the_shadow_is_one_finding_up_to_a_word_or_block_break() -> None:
    name = FindingKind.NAME
    shown = "Quax, Worth; Quax and Worth\nQuax"
    spans = [(0, 4, name), (6, 11, name), (13, 17, name), (22, 27, name), (28, 32, name)]

    groups = scanning._grouped(shown, spans)

    # ", " and "; " join, and so does a soft line break; " and " (a word) does not.
    assert groups == [(0, 17, name), (22, 32, name)]


@pytest.mark.parametrize(
    ("gap", "joined"),
    [
        ("\n", True),
        (" \n", True),
        ("\n ", True),
        (" \n\t", True),
        ("\n\n", False),  # a blank line: a new paragraph
        ("  \n  ", False),
        ("\n- ", False),  # a list item
        ("\n> ", False),  # a quote
        ("\n# ", False),  # a heading
        (",\n", False),
        ("\n7 ", False),
    ],
)
def test_candidates_on_two_lines_are_one_only_across_a_soft_line_break(
    gap: str, joined: bool
) -> None:
    name = FindingKind.NAME
    shown = f"Quax{gap}Worth"
    groups = scanning._grouped(shown, [(0, 4, name), (len(shown) - 5, len(shown), name)])

    assert (len(groups) == 1) is joined, repr(gap)


def test_a_crowd_of_disguised_names_redacts_as_one_and_shows_none() -> None:
    speaker = leaks.SpeakerIdentity(name="Ottoline Vranckx")
    text = "Hello. " + "Vra&#110;ckx, Ott&#111;line; " * 50 + "\n\nBye."

    findings = leaks.scan(text=text, speakers=[speaker])
    redacted = leaks.redact(text=text, findings=findings)

    assert len(findings) == 1
    assert redacted.startswith("Hello. [name]")
    assert redacted.endswith("\n\nBye.")


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [*"abc XYZ.;\n", "é", "ж", "ω", "\u200b", "\u00ad", "ﬁ", "\u0301", "Ａ", "а"]
        ),
        max_size=60,
    )
)
def test_the_shadow_shows_each_character_as_it_is_shown_on_its_own(text: str) -> None:
    # Other scripts are translated in one pass; the reference shows each character alone.
    view = visible.shadow(text)

    assert view.text == "".join(visible._shown_text(ch) for ch in text)
    for index in range(len(view.text)):
        start, end = view.span(index, index + 1)
        assert 0 <= start < end <= len(text)
        # An aligned character maps to itself; one that grew maps to what it grew from.
        assert visible._shown_text(text[start:end]).count(view.text[index]) >= 1


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [*"ab Z.", "\u202e", "\u202c", "\u2069", "\n", "&#97;", "\u200b", "**", "о", "ﬁ"]
        ),
        max_size=30,
    ).map("".join),
    data=st.data(),
)
def test_a_shown_span_maps_to_a_source_span_holding_every_character_it_shows(
    text: str, data: st.DataObject
) -> None:
    # Across a right-to-left run the ends of a shown span are not the ends of its source: the
    # span must still hold every character shown in between (a group of names that crosses a
    # run once left the run's middle unredacted).
    view = visible.shadow(text)
    if not view.text:
        return
    start = data.draw(st.integers(0, len(view.text) - 1))
    end = data.draw(st.integers(start + 1, len(view.text)))

    low, high = view.span(start, end)

    for index in range(start, end):
        first, last = view.span(index, index + 1)
        assert low <= first, (text, start, end, index)
        assert last <= high, (text, start, end, index)


CROWD_SPEAKERS = (
    leaks.SpeakerIdentity(name="Ottoline Vranckx", links=("https://github.com/ovranckx",)),
    leaks.SpeakerIdentity(name="Bertilde Quaxworth"),
)
# Spellings of the speakers' tokens (embedded ones, and a short joined one), and what may stand
# between them: spaces, punctuation, underscores, markup, digits, line breaks, other letters.
CROWD_PIECES = [
    "Vranckx",
    "V r a n c k x",
    "Vra**nckx**",
    "Quax_worth_",
    "quaxworth",
    "ovranckx",
    "OVranckx",
    "Otto",
    " ",
    "  ",
    ", ",
    "_",
    "...",
    "7",
    "\n",
    "é",
    "ab",
    "\u00a0",
]


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(CROWD_PIECES), max_size=60), shadowed=st.booleans())
def test_crowds_of_tokens_group_as_their_members_checked_one_by_one_do(
    pieces: list[str], shadowed: bool
) -> None:
    # A crowd found at once must show, once grouped, exactly what its members found one by one
    # show: no letter more or less, no gap joined that grouping keeps apart.
    text = "".join(pieces)
    view = visible.shadow(text)
    usernames = ("ovranckx",)
    # Spans of the source are asked for only when the shadow is the text (see `scanning`).
    shadowed = shadowed or view.text != text

    def grouped(crowd_at: int) -> list[tuple[int, int]]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(visible, "_CROWD_AT", crowd_at)
            spans = list(
                visible.token_candidates(view, CROWD_SPEAKERS, usernames, in_shadow=shadowed)
            )
        shown = view.text if shadowed else text
        return [(start, end) for start, end, _ in scanning._grouped(shown, spans)]

    assert grouped(0) == grouped(10**9), text


def test_a_crowd_is_found_at_once_and_stops_at_a_line_break_or_a_number() -> None:
    line = "V r a n c k x Quax_worth_ " * 20
    text = line + "\n" + "Vranckx 7 " * 40
    view = visible.shadow(text)

    found = visible.letters(view)
    crowds = visible._crowds(
        view.text,
        found,
        [
            (token, whats)
            for token, whats in visible._all_tokens(CROWD_SPEAKERS, ())
            if token in found.text
        ],
    )

    # The first line is one crowd, up to its last letter; the second has a number between each
    # name, which grouping keeps apart, so it is left to the one-by-one check.
    assert [(first, last) for _, _, first, last, _ in crowds] == [(0, len(line.rstrip("_ ")))]


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["a", "bc", " ", "\n", visible._RUN_OPEN, visible._RUN_CLOSE]),
        max_size=24,
    ).map("".join),
    cut=st.integers(min_value=1),
    data=st.data(),
)
def test_right_to_left_runs_cut_at_once_show_what_the_walk_over_the_segments_shows(
    text: str, cut: int, data: st.DataObject
) -> None:
    # A one-segment shadow is cut by one split (a walk over the marks where runs nest); the
    # reference is the general walk, given the same text as two segments.
    if not text:
        return
    cut = cut % len(text) or len(text)
    one = visible.Shadow(text, [0], [(5, 5 + len(text), visible._FORWARD)])
    two = visible.Shadow(
        text,
        [0, cut] if cut < len(text) else [0],
        [(5, 5 + cut, visible._FORWARD), (5 + cut, 5 + len(text), visible._FORWARD)][
            : 2 if cut < len(text) else 1
        ],
    )
    fast = visible._in_shown_order(one, len(text))
    walked = visible._walked_in_shown_order(one)
    general = visible._in_shown_order(two, len(text)) if cut < len(text) else walked

    assert fast.text == walked.text == general.text
    if not fast.text:
        return
    start = data.draw(st.integers(0, len(fast.text) - 1))
    end = data.draw(st.integers(start + 1, len(fast.text)))
    assert fast.span(start, end) == walked.span(start, end) == general.span(start, end)


# Pieces that give a shadow of many segments (entities, invisible characters, markup, links
# whose targets move after the text, other scripts) around right-to-left runs.
RUN_PIECES = [
    "a",
    "bc",
    " ",
    "\n",
    "\u202e",
    "\u202c",
    "\u2069",
    "&#97;",
    "&amp;",
    "**",
    "\u200b",
    "é",
    "ж",
    "[x](https://k.example)",
    '[y](https://q.example "t\u202eu")',
    "](",
    ")",
]


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(RUN_PIECES), max_size=24).map("".join), data=st.data())
def test_runs_put_in_order_over_a_shadow_of_many_segments_map_as_the_walk_does(
    text: str, data: st.DataObject
) -> None:
    # A shadow of many segments is put in shown order as one text and maps through the shadow
    # it was made from; the reference walks over its segments, cutting and reversing them.
    seen: list[visible.Shadow] = []
    ordering = visible._in_shown_order

    def kept(view: visible.Shadow, flow_end: int) -> visible.Shadow:
        seen.append(view)
        return ordering(view, flow_end)

    visible.shadow.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(visible, "_in_shown_order", kept)
        ordered = visible.shadow(text)
    visible.shadow.cache_clear()
    if not seen:
        return  # no right-to-left mark
    walked = visible._walked_in_shown_order(seen[0])

    assert ordered.text == walked.text
    if not ordered.text:
        return
    start = data.draw(st.integers(0, len(ordered.text) - 1))
    end = data.draw(st.integers(start + 1, len(ordered.text)))
    assert ordered.span(start, end) == walked.span(start, end), (start, end)


NAME_CROWD_SPEAKERS = (
    leaks.SpeakerIdentity(name="Ottoline Vranckx"),
    leaks.SpeakerIdentity(name="Jane van Quaxworth"),
    leaks.SpeakerIdentity(name="Emma Miller"),
)
# Distinctive parts, common given names, particles, initials, ordinary-word surnames, and what
# may stand between or beside them.
NAME_CROWD_WORDS = [
    "Vranckx",
    "vranckx",
    "Quaxworth",
    "Ottoline",
    "Jane",
    "van",
    "J.",
    "Emma",
    "Miller",
    "I'm",
    "x",
    "7",
]
NAME_CROWD_GAPS = [" ", ", ", "_", "-", "\n", "'s ", "'t ", "", " . ", "   "]


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["Vranckx", "Quaxworth"]), st.sampled_from(NAME_CROWD_WORDS)),
            st.sampled_from(NAME_CROWD_GAPS),
        ),
        max_size=30,
    )
)
def test_name_crowds_group_as_the_names_found_one_by_one_do(
    words: list[tuple[str, str]],
) -> None:
    # A crowd found at once, with the name search run on the text without its inside, must
    # group into exactly what the name search alone finds: no name part more or less.
    text = "".join(word + gap for word, gap in words)
    folded = folding._Folded(text, *folding._fold_with_map(text))
    parts = [names._speaker_parts(speaker.name) for speaker in NAME_CROWD_SPEAKERS]

    def grouped(compile_at: int) -> list[tuple[int, int]]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(names, "_COMPILE_AT", compile_at)
            searched, spans = names.name_crowds(folded, parts)
            for speaker_parts in parts:
                spans.extend(names._name_candidates(searched, speaker_parts))
        return [(start, end) for start, end, _ in scanning._grouped(text, spans)]

    assert grouped(0) == grouped(10**9), text


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            ["[", "]", "(", ")", "Qu", "ux", " ", "\n", '"t"', "<a>", "ж", "https://x.org"]
        ),
        max_size=24,
    ).map("".join)
)
def test_a_text_of_links_with_nothing_to_decode_shows_its_flow_then_its_targets(text: str) -> None:
    # The shadow of such a text is built in bulk; the reference is one substitution and a
    # list of the tails' parts, and every character shown (but the blank lines) is its source.
    tails = list(visible._LINK_TAIL.finditer(text))
    targets = [text[start:end] for tail in tails for start, end in tail.regs[1:4] if start < end]

    view = visible.shadow(text)

    assert view.text == visible._LINK_TAIL.sub("", text) + "".join(f"\n\n{t}" for t in targets)
    flow = len(visible._LINK_TAIL.sub("", text))
    for index in range(flow):
        start, end = view.span(index, index + 1)
        assert (end - start, text[start]) == (1, view.text[index]), (text, index)
    # Where the targets start is known, for a reading that has seen them typed.
    assert view.typed_targets_from == (flow if tails else None)


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["[", "](", ")", "Qu", " ", "\n", "https://x.org", "\u202e", "\u202c"]),
        max_size=24,
    ).map("".join)
)
def test_targets_after_right_to_left_runs_are_still_known_as_typed(text: str) -> None:
    # Runs put in shown order move the text before the targets; where the targets start must
    # move with it, and hold exactly the targets as typed.
    tails = list(visible._LINK_TAIL.finditer(text))
    listed = "".join(
        f"\n\n{text[start:end]}" for tail in tails for start, end in tail.regs[1:4] if start < end
    )

    view = visible.shadow(text)

    if view.typed_targets_from is not None:
        assert view.text[view.typed_targets_from :] == listed.translate(visible._SHOWN_TABLE)


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["a", "b.", "@", "x.io", ".", "+", "-", " ", "\n", "_", "é", "@b.co", "1"]),
        max_size=16,
    ).map("".join)
)
def test_addresses_found_from_their_at_sign_are_those_the_whole_pattern_finds(text: str) -> None:
    # The plain address form is found from each "@", its local part read on the reversed text;
    # the reference is the one pattern tried at every position.
    folded = folding._Folded(text, *folding._fold_with_map(text))
    expected = [folded.span(*match.span()) for match in links._EMAIL.finditer(folded.text)]

    assert [(start, end) for start, end, _ in links._email_candidates(folded)] == expected


# The edges of a bare domain: label characters, dots and hyphens, what may and may not stand
# before it, top-level domains cut short or run on, a path, an opening parenthesis.
DOMAIN_PIECES = ["a", "b1", ".", "-", ".com", ".io", ".co", "m", "/p", "@", ":", "_", " ", "(", "é"]


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(DOMAIN_PIECES), max_size=24).map("".join))
def test_bare_domains_tried_from_their_hints_are_those_the_pattern_finds_everywhere(
    text: str,
) -> None:
    expected = [match.span() for match in links._BARE_DOMAIN.finditer(text)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(links, "_HINTS_APART", 0)  # tried from the hints however dense they are
        from_hints = [match.span() for match in links._bare_domains(text)]

    assert from_hints == expected, text
    assert [match.span() for match in links._bare_domains(text)] == expected, text


def test_a_long_run_of_domains_is_tried_once_per_run() -> None:
    # One run of labels with a hint every few characters: each hint reads back to the one
    # before it only, and the run is matched once (from its start) and found whole.
    text = "x " + "a.com." * 3000 + "io y.org"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(links, "_HINTS_APART", 0)
        spans = [match.span() for match in links._bare_domains(text)]

    assert spans == [match.span() for match in links._BARE_DOMAIN.finditer(text)]
    assert len(spans) == 2


_URL_BEFORE = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]{1,15}://|(?<![\w.@/-])www\.)[^\s<>\"'`\[\]{}|\\^]+"
)


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "a",
                "git",
                "+",
                "http",
                "s",
                "://",
                "www.",
                "x",
                ".",
                "-",
                "/",
                "@",
                "_",
                " ",
                "é",
                "1",
            ]
        ),
        max_size=20,
    ).map("".join)
)
def test_urls_found_from_word_starts_are_those_the_boundary_pattern_finds(text: str) -> None:
    # The pattern tests "no word character before" first (where "\b" used to stand), so a
    # position inside a word fails at once; it finds exactly what the old form found.
    expected = [match.span() for match in _URL_BEFORE.finditer(text)]

    assert [match.span() for match in links._URL.finditer(text)] == expected, text


LINK_SPEAKER = leaks.SpeakerIdentity(
    name="Zephyrine Quuxworth", links=("https://github.com/zquux", "https://quux.example/me")
)


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "[",
                "](",
                "][",
                ")",
                "]",
                "https://",
                "github.com/",
                "git",
                "hub.com/",
                "zquux",
                "quux.example/me",
                "kelp.example",
                "Quux",
                "worth",
                " ",
                "\n",
                ' "t"',
                "(a)",
                "g\u0456thub.com/",  # a Cyrillic i: the target shows other than typed
                "&#97;",  # something to decode: the shadow is built piece by piece
                "other",
            ]
        ),
        max_size=24,
    ).map("".join)
)
def test_links_listed_as_typed_are_judged_once_with_the_same_findings(text: str) -> None:
    # The shown reading of a scanned text (or its redaction) stops before the link targets its
    # shadow lists as typed: the typed reading judged them. The reference reads them again.
    found = leaks.scan(text=text, speakers=[LINK_SPEAKER])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scanning, "_before_typed_targets", lambda view, shown: shown)
        again = leaks.scan(text=text, speakers=[LINK_SPEAKER])

    assert found == again, text


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["a", " ", "Ё", "ё", "Ｑ", "Ελ", "ü", "а", "ж", "\u202e", "\u202c", "ǅ"]),
        min_size=1,
        max_size=400,
    ).map("".join)
)
def test_a_long_text_shown_by_replacements_is_its_translation(text: str) -> None:
    # A long text with few characters that show as another is shown by one replacement per
    # character; the reference is the translation by the table, character by character. Its
    # characters each show as one (those that vanish or grow are special sequences instead).
    for ch in set(text):
        visible._SHOWN_TABLE[ord(ch)]  # learnt, as the shadow does first
    text = "".join(ch for ch in text if len(visible._SHOWN_TABLE[ord(ch)]) == 1) or "a"
    changed = frozenset(
        ch
        for ch in set(text)
        if not ch.isascii()
        and len(visible._SHOWN_TABLE[ord(ch)]) == 1
        and visible._SHOWN_TABLE[ord(ch)] != ch
    )
    long_text = text * (visible._REPLACE_FROM_LENGTH // len(text) + 1)

    shown = visible._show_function(changed)(long_text)

    assert shown == long_text.translate(visible._SHOWN_TABLE)


FOLD_PIECES = ["a", "B", " ", "Ё", "ё", "Ｑ", "Ελ", "ü", "Ü", "а", "ж", "ǅ", "İ", "K", "ß"]
FOLD_PIECES += ["Σ", "ς", "σ", "Ꭰ", "ꭰ", "\u0301", "é", "ﬁ", "中", "Ω", "ſ", "Ⓐ", "𝐀", "Ι"]


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(FOLD_PIECES), min_size=1, max_size=6, unique=True),
    data=st.data(),
)
def test_a_long_text_folded_by_replacements_is_folded_as_the_table_folds_it(
    pieces: list[str], data: st.DataObject
) -> None:
    # Lower-casing and one replacement per character beyond ASCII must give what the table
    # gives character by character (a capital sigma, which lower-cases by its context, or two
    # characters that lower-case alike but fold apart, go to the table).
    text = "".join(
        data.draw(st.lists(st.sampled_from(pieces), min_size=300, max_size=600), label="text")
    )

    assert folding._fold_with_map(text) == folding._fold_with_table(text)


@pytest.mark.parametrize(
    "text",
    [
        "[me](https://g\u0456thub.com/other) and more",  # the target shows as github.com
        "[me](https://g\u0456thub.com/other)Qu&#97;x",  # the same, decoded piece by piece
    ],
)
def test_a_target_that_shows_other_than_typed_is_judged_as_shown(text: str) -> None:
    # The typed reading saw a host that is no profile host; a reader sees github.com.
    found = leaks.scan(text=text, speakers=[LINK_SPEAKER])

    assert [f.kind for f in found if f.kind is FindingKind.LINK], found


def _merged_by_rank(
    text: str, candidates: list[tuple[int, int, FindingKind]]
) -> list[tuple[int, int, FindingKind]]:
    """The plain merge `scanning._merge` shortens: copies dropped, every candidate sorted by
    (start, longest first, most specific first), each group named after its best member."""
    ranked = sorted({(s, s - e, _SPECIFICITY[k], e, k) for s, e, k in candidates if s < e})
    groups: list[tuple[int, int, FindingKind]] = []
    for start, _, _, end, kind in ranked:
        if groups and start < groups[-1][1]:
            first, last, kind = groups[-1]
            groups[-1] = (first, max(last, end), kind)
        else:
            groups.append((start, end, kind))
    # A group is named after its longest member, then its most specific one.
    result: list[tuple[int, int, FindingKind]] = []
    for first, last, _ in groups:
        members = [
            (s - e, _SPECIFICITY[k], k)
            for s, e, k in candidates
            if s < e and first <= s and e <= last
        ]
        result.append((first, last, min(members)[2]))
    return result


@settings(max_examples=400, deadline=None)
@given(
    candidates=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 8), st.sampled_from(list(FindingKind))).map(
            lambda c: (c[0], c[0] + c[1], c[2])
        ),
        max_size=25,
    )
)
def test_merging_by_start_gives_the_groups_and_names_of_the_merge_by_rank(
    candidates: list[tuple[int, int, FindingKind]],
) -> None:
    text = "x" * 40
    merged = [(f.start, f.end, f.kind) for f in scanning._merge(text, candidates)]

    assert merged == _merged_by_rank(text, candidates)


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["@", "a", " ", "\t", "\n", "\r", "\u00a0", "\u2028", "x@y", "@@"]),
        max_size=20,
    ).map("".join)
)
def test_the_at_signs_that_start_a_line_are_those_the_walk_over_blanks_finds(text: str) -> None:
    # Handles are walked around (to see whether they stand on a decorator's line) only when
    # they start their line; the reference walks back over blanks from every "@".
    def starts_line(at: int) -> bool:
        while at > 0 and text[at - 1] != "\n" and text[at - 1].isspace():
            at -= 1
        return at == 0 or text[at - 1] == "\n"

    expected = {at for at, ch in enumerate(text) if ch == "@" and starts_line(at)}

    assert links._at_line_starts(text) == expected, repr(text)


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "a",
                "x",
                "X",
                "n",
                "N",
                "-",
                "--",
                " ",
                "\t",
                "\n",
                "&",
                "#",
                "%",
                "2",
                "\\",
                "*",
                "~",
                "\x07",
                "\x7f",
                "é",
                "\u200b",
                "\u00ad",
                "ж",
                "\ufb01",
                "[a](b)",
            ]
        ),
        max_size=16,
    ).map("".join)
)
def test_a_text_said_to_need_no_decoding_holds_no_special_sequence(text: str) -> None:
    # The shadow of a text full of links skips the pattern of special sequences when a few
    # cheap searches say there is none; they may say "look" wrongly, never "none" wrongly.
    visible.shadow(text)  # the table learns the text's characters
    special = visible._SPECIAL
    holds_unaligned = False
    if not text.isascii():
        special = visible._special_pattern(frozenset(visible._SHOWN_TABLE.unaligned))
        holds_unaligned = not set(text).isdisjoint(visible._SHOWN_TABLE.unaligned)

    if not visible._may_need_decoding(text, holds_unaligned):
        assert special.search(text) is None, repr(text)


def _special_pattern_letter_by_letter(unaligned: frozenset[str]) -> re.Pattern[str]:
    """The special pattern as it was: single letters between vanishing characters, no spaces."""
    if not unaligned:
        return visible._SPECIAL
    chars = "".join(f"\\U{ord(ch):08x}" for ch in sorted(unaligned))
    return re.compile(
        f"(?=[{visible._ASCII_SPECIAL_STARTS}{chars}])"
        f"(?:{visible._ASCII_SPECIAL}|[{chars}]++(?:[^\\W\\d_][{chars}]++)*+)"
    )


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            ["a", "b", "V", " ", "  ", "\u200b", "\u00ad", "\u2060", ".", "7", "\n", "ж"]
        ),
        max_size=30,
    ).map("".join)
)
def test_words_of_invisible_characters_show_the_same_text_and_map_no_narrower(text: str) -> None:
    # Letters and single spaces between vanishing characters are one piece of the map now: the
    # shadow must show the same text, and each character must map to a source span holding
    # the one it mapped to when each letter was a piece of its own.
    visible.shadow.cache_clear()
    runs = visible.shadow(text)
    visible.shadow.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(visible, "_special_pattern", _special_pattern_letter_by_letter)
        letters = visible.shadow(text)
    visible.shadow.cache_clear()

    assert runs.text == letters.text
    for index in range(len(runs.text)):
        low, high = runs.span(index, index + 1)
        old_low, old_high = letters.span(index, index + 1)
        assert low <= old_low, (text, index)
        assert old_high <= high, (text, index)


# Links whose targets hold a token, part of one or none, and names and pieces of names around.
TOKEN_LINK_PIECES = [
    "Vranckx ",
    "Vra",
    "nckx",
    "[a](https://k.example)",
    "[b](https://vranckx.example)",
    "[c](https://x.example/nckx)",
    "[d](https://v-r-a-n-c-k-x.example)",
    "[Vra](https://k.example)nckx",
    "\u202e",
    "ovranckx",
    " ",
    "\n",
    "7",
]


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(TOKEN_LINK_PIECES), max_size=16).map("".join))
def test_tokens_read_up_to_the_targets_find_what_reading_it_all_finds(text: str) -> None:
    # The token search stops before the link targets listed after the text when no token
    # reaches into them; the reference reads all of the shadow.
    usernames = links._link_usernames(CROWD_SPEAKERS)
    visible.shadow.cache_clear()
    shortened = scanning._shown_candidates(text, CROWD_SPEAKERS, usernames, handles=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scanning, "_token_reading", lambda view, shown, *_: (view, shown))
        whole = scanning._shown_candidates(text, CROWD_SPEAKERS, usernames, handles=True)
    visible.shadow.cache_clear()

    assert shortened == whole, text


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "a",
                "Vra",
                "nckx",
                " ",
                "\n",
                "*",
                "**",
                "~~",
                "_",
                "é",
                "ж",
                "\u200b",
                "&",
                "\\",
                "-",
            ]
        ),
        max_size=24,
    ).map("".join)
)
def test_a_text_with_only_markup_to_drop_shows_and_maps_as_decoding_it_does(text: str) -> None:
    # A text whose special sequences are all emphasis or strikethrough markers is split around
    # them at once; the reference decodes it sequence by sequence.
    visible.shadow.cache_clear()
    split = visible.shadow(text)
    visible.shadow.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(visible, "_needs_more_than_markup", lambda *_: True)
        decoded = visible.shadow(text)
    visible.shadow.cache_clear()

    assert split.text == decoded.text
    assert (split.offsets, split.sources) == (decoded.offsets, decoded.sources)


def _standing_alone_before(word: str) -> re.Pattern[str]:
    """The pattern of a word standing alone as it was, its lookbehind first."""
    return re.compile(
        rf"(?<![^\W_]){re.escape(word)}(?![^\W_])"
        rf"(?!'(?:{'|'.join(names._CONTRACTIONS)})(?![^\W_]))"
    )


ALONE_WORDS = ["vranckx", "ann", "d'arc", "jean-luc", "ölund", "x"]


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from([*ALONE_WORDS, " ", "a", "7", "_", "'t", "'s", "-", "\n", "é", "."]),
        max_size=20,
    ).map("".join),
    word=st.sampled_from(ALONE_WORDS),
)
def test_a_word_tested_for_standing_alone_after_its_first_letter_matches_as_before(
    text: str, word: str
) -> None:
    # The test that no letter or digit stands before the word moved after its first character,
    # so the pattern starts with a literal; a crowd of such words is built the same way.
    before = [match.span() for match in _standing_alone_before(word).finditer(text)]

    assert [match.span() for match in names._standing_alone(word).finditer(text)] == before
    crowd_before = re.compile(
        rf"({_standing_alone_before(word).pattern})"
        rf"(?:{names._CROWD_GAP}({_standing_alone_before(word).pattern})){{2,}}"
    )
    assert [match.span() for match in names._crowd_of((word,)).finditer(text)] == [
        match.span() for match in crowd_before.finditer(text)
    ]


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "Vra",
                "nckx ",
                "&#97;",
                "**",
                "\u200b",
                "é",
                "\n",
                "[a](https://k.example)",
                "[b](https://q.example/é)",
                "[c](https://x.example/&#98;)",
                '[d](https://y.example "t&amp;")',
                "[e](https://z.example/\u200b)",
                "[f][g]",
            ]
        ),
        max_size=14,
    ).map("".join)
)
def test_clean_targets_of_a_text_with_something_to_decode_are_added_as_decoding_adds_them(
    text: str,
) -> None:
    # When the text needs decoding but its link targets do not, the targets are added in bulk;
    # the reference decodes every piece, targets too.
    visible.shadow.cache_clear()
    bulk = visible.shadow(text)
    visible.shadow.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(visible, "_may_need_decoding", lambda *_: True)
        decoded = visible.shadow(text)
    visible.shadow.cache_clear()

    assert bulk == decoded, text


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(
        st.tuples(
            st.sampled_from(["Vranckx", "Quaxworth", "Ottoline", "Jane", "van", "J.", "Emma"]),
            st.sampled_from([" ", "  ", " and ", ", ", " @h1 ", "\n", " is here. ", "-"]),
        ),
        max_size=20,
    )
)
def test_distinctive_names_far_apart_are_found_at_once_as_one_by_one(
    words: list[tuple[str, str]],
) -> None:
    # Hits that are all distinctive and farther apart than any run reaches are names each, at
    # once; the reference walks them one by one (the gap test made impossible to pass).
    text = "".join(word + gap for word, gap in words)
    folded = folding._Folded(text, *folding._fold_with_map(text))
    for speaker in NAME_CROWD_SPEAKERS:
        parts = names._speaker_parts(speaker.name)
        at_once = list(names._name_candidates(folded, parts))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(names, "_START_OF", lambda hit: -(10**9))  # no gap passes the test
            one_by_one = list(names._name_candidates(folded, parts))
        assert at_once == one_by_one, text


def _decode_into_one_by_one(
    built: visible._Builder, text: str, start: int, end: int, special: re.Pattern[str]
) -> None:
    """The plain path `visible._decode_into` shortens: the sequences decoded one at a time."""
    position = start
    for match in special.finditer(text, start, end):
        begin, finish = match.span()
        if position < begin:
            built.copy_shown(text, position, begin)
        typed = match.group()
        if typed.isascii():
            shown = visible._shown_special(typed)
            if shown is None:
                built.copy_shown(text, begin, finish)
            else:
                built.translated(shown, begin, finish)
        else:
            built.translated(typed.translate(visible._SHOWN_TABLE), begin, finish)
        position = finish
    built.copy_shown(text, position, end)


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "Vra",
                "nckx ",
                "x",
                "n--",
                "xn--bcher-kva",
                "&#97;",
                "&amp;&lt;",
                "&bogus;",
                "%41%42",
                "\\*",
                "\\\n",
                "-\n",
                "**",
                "~",
                "\x07",
                "\u200b",
                "\u00ad",
                "\ufb01",
                "é",
                "\u202e",
                "\n",
                "[a](https://k.example/%C3%A9)",
                '[b](https://q.example "t&amp;")',
                "[c][d]",
            ]
        ),
        max_size=16,
    ).map("".join)
)
def test_a_piece_split_around_its_sequences_shows_and_maps_as_decoding_one_by_one(
    text: str,
) -> None:
    # Every piece is split (pieces are split from a length on: here, from the first).
    visible.shadow.cache_clear()
    visible._SHOWN_SPECIALS.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(visible, "_SPLIT_FROM", 0)
        split = visible.shadow(text)
    visible.shadow.cache_clear()
    as_it_comes = visible.shadow(text)  # short pieces decoded one by one, long ones split
    visible.shadow.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(visible, "_decode_into", _decode_into_one_by_one)
        one_by_one = visible.shadow(text)
    visible.shadow.cache_clear()

    assert split == one_by_one, text
    assert as_it_comes == one_by_one, text
