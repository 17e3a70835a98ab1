"""The word diff behind "what changed since my review": plain cases and properties."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from reviews.domain import textdiff
from reviews.domain.textdiff import DELETE, EQUAL, GAP, INSERT, Segment

words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "[name]", "ORM,", "x"]))
spaces = st.sampled_from([" ", "\n", "  ", "\n\n", " \n \n"])
# From nothing at all to more than the smallest texts need: the fallbacks get exercised too.
budgets = st.integers(min_value=0, max_value=400)


@st.composite
def texts(draw: st.DrawFn) -> str:
    ws = draw(words)
    return "".join(w + draw(spaces) for w in ws).rstrip() if ws else ""


def test_a_replaced_word_is_its_deletion_then_its_insertion() -> None:
    segments = textdiff.word_diff(
        old="We cut page times in half.", new="We cut page times by 80%."
    ).segments

    assert segments == (
        Segment(EQUAL, "We cut page times "),
        Segment(DELETE, "in half."),
        Segment(INSERT, "by 80%."),
    )


def test_rewrapping_a_paragraph_is_not_a_change() -> None:
    segments = textdiff.word_diff(old="one two\nthree four", new="one two three\nfour").segments

    assert not textdiff.changed(segments)


def test_identical_texts_have_no_change() -> None:
    assert not textdiff.changed(textdiff.word_diff(old="same text", new="same text").segments)


def test_collapse_keeps_context_around_a_change_and_marks_the_gap() -> None:
    old = " ".join(f"w{i}" for i in range(40)) + " old tail"
    new = " ".join(f"w{i}" for i in range(40)) + " new tail"

    segments = textdiff.collapse(textdiff.word_diff(old=old, new=new).segments, context=3)

    assert segments[0] == Segment(GAP, "…")
    assert segments[1] == Segment(EQUAL, "w37 w38 w39 ")
    assert [s.op for s in segments[2:]] == [DELETE, INSERT, EQUAL]


@given(old=texts(), new=texts(), max_work=budgets | st.just(textdiff.MAX_WORK))
def test_equal_and_inserted_segments_spell_the_new_text(old: str, new: str, max_work: int) -> None:
    segments = textdiff.word_diff(old=old, new=new, max_work=max_work).segments

    assert "".join(s.text for s in segments if s.op in (EQUAL, INSERT)) == new


@given(old=texts(), new=texts(), max_work=budgets | st.just(textdiff.MAX_WORK))
def test_equal_and_deleted_segments_spell_the_old_texts_words(
    old: str, new: str, max_work: int
) -> None:
    segments = textdiff.word_diff(old=old, new=new, max_work=max_work).segments

    kept = "".join(s.text for s in segments if s.op in (EQUAL, DELETE))
    assert kept.split() == old.split()


@given(old=texts(), new=texts(), max_work=budgets)
def test_the_diff_never_does_more_work_than_its_budget(old: str, new: str, max_work: int) -> None:
    assert textdiff.word_diff(old=old, new=new, max_work=max_work).work <= max_work


def _longest_common_subsequence(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j, y in enumerate(b):
            diagonal, row[j + 1] = row[j + 1], diagonal + 1 if x == y else max(row[j + 1], row[j])
    return row[-1]


@given(old=texts(), new=texts())
def test_a_word_diff_keeps_as_many_words_as_any_diff_could(old: str, new: str) -> None:
    diff = textdiff.word_diff(old=old, new=new)

    kept = sum(len(s.text.split()) for s in diff.segments if s.op == EQUAL)
    assert not diff.coarse
    assert kept == _longest_common_subsequence(old.split(), new.split())


@given(old=texts(), new=texts())
def test_collapsing_never_drops_a_change(old: str, new: str) -> None:
    full = textdiff.word_diff(old=old, new=new).segments

    short = textdiff.collapse(full, context=1)

    changes = [s for s in full if s.op != EQUAL]
    assert [s for s in short if s.op not in (EQUAL, GAP)] == changes


def _paragraphs(rng: random.Random, *, words: int) -> list[str]:
    vocabulary = [f"{a}{b}" for a in ("ka", "lo", "mir", "tesh", "vu") for b in ("n", "ra", "lt")]
    out: list[str] = []
    while sum(len(p.split()) for p in out) < words:
        out.append(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(40, 160))) + ".")
    return out


def test_a_reordered_20000_word_pair_stays_within_the_budget_and_is_shown_by_paragraph() -> None:
    rng = random.Random(15)
    paragraphs = _paragraphs(rng, words=20_000)
    old = "\n\n".join(paragraphs)
    rng.shuffle(paragraphs)
    new = "\n\n".join(paragraphs)

    diff = textdiff.word_diff(old=old, new=new)

    assert diff.coarse
    assert diff.work <= textdiff.MAX_WORK
    assert "".join(s.text for s in diff.segments if s.op in (EQUAL, INSERT)) == new
    # Whole paragraphs: every change starts where a paragraph starts and ends with its full stop.
    assert all(s.text.rstrip().endswith(".") for s in diff.segments if s.op != EQUAL)
    assert any(s.op == EQUAL for s in diff.segments)


def test_a_few_words_changed_in_a_20000_word_text_are_shown_word_by_word() -> None:
    rng = random.Random(15)
    old = "\n\n".join(_paragraphs(rng, words=20_000))
    words = old.split(" ")
    for index in rng.sample(range(len(words)), 50):
        words[index] = "CHANGED"

    diff = textdiff.word_diff(old=old, new=" ".join(words))

    assert not diff.coarse
    assert diff.work <= textdiff.MAX_WORK
    assert sum(s.text.count("CHANGED") for s in diff.segments if s.op == INSERT) == 50


def test_moved_paragraphs_are_whole_removals_and_insertions_and_the_rest_is_unchanged() -> None:
    old = "First part.\n\nSecond part.\n\nThird part."
    new = "Third part.\n\nFirst part.\n\nSecond part."

    # Enough for three paragraphs a side, too little for their words.
    diff = textdiff.word_diff(old=old, new=new, max_work=25)

    assert diff.coarse
    assert diff.segments == (
        Segment(INSERT, "Third part.\n\n"),
        Segment(EQUAL, "First part.\n\nSecond part."),
        Segment(DELETE, " Third part."),
    )
