"""``StoredFinding``: the one parser of the findings JSON stored on proposals."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfp.domain import leaks
from cfp.domain.findings import StoredFinding, parse_all

FINDING = StoredFinding(field="abstract", kind="name", start=4, end=9, text="Quell", ignored=False)

findings = st.builds(
    StoredFinding,
    field=st.sampled_from(["title", "abstract", "description", "notes", "q:3", "q:3:2"]),
    kind=st.sampled_from([str(k) for k in leaks.FindingKind]),
    start=st.integers(min_value=0, max_value=10_000),
    end=st.integers(min_value=0, max_value=10_000),
    text=st.text(max_size=40),
    ignored=st.booleans(),
).filter(lambda f: f.start <= f.end)


@given(st.lists(findings, max_size=8))
def test_what_is_stored_parses_back_to_the_same_findings(stored: list[StoredFinding]) -> None:
    assert parse_all([f.to_json() for f in stored]) == tuple(stored)


def test_a_scanner_finding_is_stored_with_its_field_and_ruling() -> None:
    found = leaks.Finding(kind=leaks.FindingKind.NAME, start=4, end=9, text="Quell")

    stored = StoredFinding.of(field="abstract", finding=found, ignored=True)

    assert stored.to_json() == {
        "field": "abstract",
        "kind": "name",
        "start": 4,
        "end": 9,
        "text": "Quell",
        "ignored": True,
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param(
            {"field": "abstract", "kind": "name", "start": 4, "end": 9, "text": "Quell"},
            FINDING,
            id="no ruling stored: not ignored",
        ),
        pytest.param(
            {"field": "abstract", "kind": "name", "start": "4", "end": "9", "text": "Quell"},
            FINDING,
            id="offsets stored as strings",
        ),
        pytest.param(
            {"kind": "name", "start": 4, "end": 9},
            StoredFinding(field="", kind="name", start=4, end=9, text=""),
            id="no field, no text",
        ),
        pytest.param(
            {"field": "notes", "kind": "email", "start": 0, "end": 3, "text": "a@b", "ignored": 1},
            StoredFinding(field="notes", kind="email", start=0, end=3, text="a@b", ignored=True),
            id="ruling stored as a number",
        ),
    ],
)
def test_older_shapes_parse(entry: dict[str, Any], expected: StoredFinding) -> None:
    assert parse_all([entry]) == (expected,)


@pytest.mark.parametrize(
    "value",
    [
        None,
        {},
        "[]",
        ["not an object", 3, None],
        [{"field": "title", "start": None, "end": 4}],
        [{"field": "title", "start": 5, "end": 4}],
        [{"field": "title", "start": -1, "end": 4}],
        [{"field": "title", "start": True, "end": 4}],
    ],
    ids=[
        "null",
        "an object, not a list",
        "a string",
        "entries that are not objects",
        "no start",
        "ends before it starts",
        "negative offset",
        "a boolean offset",
    ],
)
def test_what_cannot_be_read_is_left_out(value: object) -> None:
    assert parse_all(value) == ()


def test_a_readable_entry_beside_an_unreadable_one_is_kept() -> None:
    assert parse_all(["junk", FINDING.to_json()]) == (FINDING,)


def test_a_finding_knows_its_span_and_its_kind() -> None:
    assert FINDING.at(field="abstract", start=4, end=9)
    assert not FINDING.at(field="title", start=4, end=9)
    assert FINDING.finding_kind is leaks.FindingKind.NAME
    assert (
        StoredFinding(field="title", kind="retired", start=0, end=1, text="x").finding_kind is None
    )
