"""The scanner's shortcuts for texts full of one shape give the answers of the plain path.

Each fast path (a compiled pattern for a word met often, grouping of crowded evidence found on
the shadow, the shadow's one-pass translation of other scripts) is checked against the plain
path it replaces, over generated text; the timing they buy is in bench/scan_timing.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfp.domain import leaks
from cfp.domain.leaks import names, scanning, visible
from cfp.domain.leaks.kinds import FindingKind

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


def test_crowded_evidence_on_the_shadow_is_one_finding_up_to_a_word_or_line_break() -> None:
    name = FindingKind.NAME
    shown = "Quax, Worth; Quax and Worth\nQuax"
    spans = [(0, 4, name), (6, 11, name), (13, 17, name), (22, 27, name), (28, 32, name)]

    groups = scanning._grouped(shown, spans)

    # ", " and "; " join; " and " (a word) and a line break do not.
    assert groups == [(0, 17, name), (22, 27, name), (28, 32, name)]


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
