"""The word diff behind "what changed since my review": plain cases and properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reviews.domain import textdiff
from reviews.domain.textdiff import DELETE, EQUAL, GAP, INSERT, Segment

words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "[name]", "ORM,", "x"]))
spaces = st.sampled_from([" ", "\n", "  ", "\n\n"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    ws = draw(words)
    return "".join(w + draw(spaces) for w in ws).rstrip() if ws else ""


def test_a_replaced_word_is_its_deletion_then_its_insertion() -> None:
    segments = textdiff.word_diff(old="We cut page times in half.", new="We cut page times by 80%.")

    assert segments == (
        Segment(EQUAL, "We cut page times "),
        Segment(DELETE, "in half."),
        Segment(INSERT, "by 80%."),
    )


def test_rewrapping_a_paragraph_is_not_a_change() -> None:
    segments = textdiff.word_diff(old="one two\nthree four", new="one two three\nfour")

    assert not textdiff.changed(segments)


def test_identical_texts_have_no_change() -> None:
    assert not textdiff.changed(textdiff.word_diff(old="same text", new="same text"))


def test_collapse_keeps_context_around_a_change_and_marks_the_gap() -> None:
    old = " ".join(f"w{i}" for i in range(40)) + " old tail"
    new = " ".join(f"w{i}" for i in range(40)) + " new tail"

    segments = textdiff.collapse(textdiff.word_diff(old=old, new=new), context=3)

    assert segments[0] == Segment(GAP, "…")
    assert segments[1] == Segment(EQUAL, "w37 w38 w39 ")
    assert [s.op for s in segments[2:]] == [DELETE, INSERT, EQUAL]


@given(old=texts(), new=texts())
def test_equal_and_inserted_segments_spell_the_new_text(old: str, new: str) -> None:
    segments = textdiff.word_diff(old=old, new=new)

    assert "".join(s.text for s in segments if s.op in (EQUAL, INSERT)) == new


@given(old=texts(), new=texts())
def test_equal_and_deleted_segments_spell_the_old_texts_words(old: str, new: str) -> None:
    segments = textdiff.word_diff(old=old, new=new)

    kept = "".join(s.text for s in segments if s.op in (EQUAL, DELETE))
    assert kept.split() == old.split()


@given(old=texts(), new=texts())
def test_collapsing_never_drops_a_change(old: str, new: str) -> None:
    full = textdiff.word_diff(old=old, new=new)

    short = textdiff.collapse(full, context=1)

    changes = [s for s in full if s.op != EQUAL]
    assert [s for s in short if s.op not in (EQUAL, GAP)] == changes
