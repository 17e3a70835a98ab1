"""The plain rules of curation: departures, safe placeholders and displacement. No database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviews.domain import curation as rules

VALUES = {
    "title": "Fast Django",
    "call": "PyCon 2027",
    "code": "K7Q2XM",
    "speaker": "Ada",
    "format": "Talk",
    "feedback": "Good talk.",
}


def ranked(*rows: tuple[str, int | None, str]) -> list[rules.Ranked]:
    return [rules.Ranked(key=k, rank=r, status=s) for k, r, s in rows]


# --- departures -----------------------------------------------------------------------------


def test_accepting_the_best_undecided_proposal_is_not_a_departure() -> None:
    others = ranked(("a", 1, "undecided"), ("b", 2, "undecided"))

    assert rules.departure(target=others[0], to_status="accepted", others=others) == ()


def test_accepting_below_an_undecided_proposal_departs_from_it() -> None:
    others = ranked(("a", 1, "undecided"), ("b", 2, "undecided"))

    assert rules.departure(target=others[1], to_status="accepted", others=others) == ("a",)


def test_accepting_below_a_rejected_proposal_departs_from_it() -> None:
    others = ranked(("a", 1, "rejected"), ("b", 2, "undecided"))

    assert rules.departure(target=others[1], to_status="accepted", others=others) == ("a",)


def test_accepting_below_accepted_and_waitlisted_proposals_is_in_order() -> None:
    others = ranked(("a", 1, "accepted"), ("b", 2, "waitlisted"), ("c", 3, "undecided"))

    assert rules.departure(target=others[2], to_status="accepted", others=others) == ()


def test_rejecting_above_an_accepted_proposal_departs_from_it() -> None:
    others = ranked(("a", 1, "undecided"), ("b", 2, "accepted"))

    assert rules.departure(target=others[0], to_status="rejected", others=others) == ("b",)


def test_rejecting_the_lowest_proposal_is_in_order() -> None:
    others = ranked(("a", 1, "accepted"), ("b", 2, "undecided"))

    assert rules.departure(target=others[1], to_status="rejected", others=others) == ()


@pytest.mark.parametrize("status", ["waitlisted", "undecided"])
def test_waitlisting_or_undoing_never_departs(status: str) -> None:
    others = ranked(("a", 1, "undecided"), ("b", 2, "accepted"), ("c", 3, "undecided"))

    assert rules.departure(target=others[0], to_status=status, others=others) == ()
    assert rules.departure(target=others[2], to_status=status, others=others) == ()


def test_an_unranked_proposal_sits_below_every_ranked_one() -> None:
    others = ranked(("a", 1, "undecided"), ("new", None, "undecided"))

    assert rules.departure(target=others[1], to_status="accepted", others=others) == ("a",)


def test_without_any_ranks_nothing_is_a_departure() -> None:
    others = ranked(("a", None, "rejected"), ("b", None, "undecided"))

    assert rules.departure(target=others[1], to_status="accepted", others=others) == ()


# --- placeholders ---------------------------------------------------------------------------


def test_allowed_placeholders_are_filled() -> None:
    text = "Dear {speaker}, “{title}” ({code}, {format}) at {call}.\n{feedback}"

    assert rules.render(text, VALUES) == (
        "Dear Ada, “Fast Django” (K7Q2XM, Talk) at PyCon 2027.\nGood talk."
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("{call.__class__}", "access"),
        ("{title.__class__.__mro__}", "access"),
        ("{call[0]}", "access"),
        ("{0}", "positional"),
        ("{}", "positional"),
        ("{feedback!r}", "conversion"),
        ("{title!s}", "conversion"),
        ("{title:>100000000}", "format"),
        ("{settings}", "unknown"),
        ("{", "syntax"),
        ("}", "syntax"),
    ],
)
def test_injection_attempts_are_refused(text: str, kind: str) -> None:
    problems = rules.template_problems(text)

    assert kind in {p.kind for p in problems}


@pytest.mark.parametrize(
    "text",
    ["{call.__class__}", "{0}", "{feedback!r}", "{title:>100000000}", "{call[0]}", "Oops {"],
)
def test_a_refused_template_renders_literally(text: str) -> None:
    assert rules.render(text, VALUES) == text


def test_doubled_braces_are_literal_braces() -> None:
    assert rules.render("{{title}} is {title}", VALUES) == "{title} is Fast Django"


def test_braces_inside_a_value_are_not_interpreted() -> None:
    values = {**VALUES, "title": "{call.__class__} and {0}"}

    assert rules.render("{title}", values) == "{call.__class__} and {0}"


def test_values_are_used_as_plain_strings() -> None:
    class Sneaky:
        def __str__(self) -> str:
            return "plain"

    assert rules.render("{title}", {"title": Sneaky()}) == "plain"  # type: ignore[dict-item]


def test_a_subject_becomes_one_line() -> None:
    assert rules.one_line("Accepted\r\nBcc: victim@example.org\n  now") == (
        "Accepted Bcc: victim@example.org now"
    )


@given(st.text(max_size=60))
def test_render_never_raises_and_refused_text_comes_back_unchanged(text: str) -> None:
    out = rules.render(text, VALUES)

    if rules.template_problems(text):
        assert out == text
    else:
        assert isinstance(out, str)


# --- displacement ---------------------------------------------------------------------------


def placed(key: str, rank: int | None, status: str, **extra: object) -> rules.Placed:
    return rules.Placed(
        key=key,
        group=str(extra.get("group", "talk")),
        rank=rank,
        status=status,
        reason=str(extra.get("reason", "")),
        first_time=bool(extra.get("first_time", False)),
        english_additional=bool(extra.get("english_additional", False)),
    )


def test_a_programme_in_rank_order_moves_nothing() -> None:
    report = rules.displacement(
        [placed("a", 1, "accepted"), placed("b", 2, "accepted"), placed("c", 3, "rejected")]
    )

    assert report.places == 0
    assert report.by_reason == ()
    assert [m.position for m in report.moves] == [1, 2, None]


def test_accepting_the_third_over_the_second_moves_each_by_one_place() -> None:
    report = rules.displacement(
        [
            placed("a", 1, "accepted"),
            placed("b", 2, "rejected", reason="duplicate_topic"),
            placed("c", 3, "accepted", reason="first_time", first_time=True),
        ]
    )

    moves = {m.key: m.places for m in report.moves}
    assert moves == {"a": 0, "b": -1, "c": 1}
    assert (report.moved_up, report.pushed_out, report.places) == (1, 1, 2)
    assert {t.label: (t.proposals, t.places) for t in report.by_reason} == {
        "first_time": (1, 1),
        "duplicate_topic": (1, 1),
    }
    first_time = report.by_attribute[0]
    assert (first_time.blind_top, first_time.programme, first_time.moved_up) == (0, 1, 1)


def test_each_format_has_its_own_cut() -> None:
    report = rules.displacement(
        [
            placed("t1", 1, "accepted", group="talk"),
            placed("w1", 2, "rejected", group="workshop"),
            placed("w2", 3, "accepted", group="workshop"),
        ]
    )

    moves = {m.key: (m.group_rank, m.places) for m in report.moves}
    assert moves == {"t1": (1, 0), "w1": (1, -1), "w2": (2, 1)}


def test_moves_count_the_proposals_each_one_jumped_or_was_jumped_by() -> None:
    statuses = ["rejected", "accepted", "undecided", "accepted", "waitlisted", "accepted"]

    report = rules.displacement([placed(f"p{i}", i + 1, s) for i, s in enumerate(statuses)])

    # Cut = 3. Accepted: rank minus place in the programme. Above the cut and left out: minus
    # the accepted ranked below. p4 (waitlisted, below the cut) is not counted as pushed out.
    assert {m.key: m.places for m in report.moves} == {
        "p0": -3,
        "p1": 1,
        "p2": -2,
        "p3": 2,
        "p4": 0,
        "p5": 3,
    }
