"""The blindness policy as one table: viewer × phase × part → how it is shown."""

from __future__ import annotations

import itertools

import pytest

from cfp.domain.visibility import Part, Phase, Shown, Viewer, pick, sees, shown

R, X, H = Shown.RAW, Shown.REDACTED, Shown.HIDDEN
BLIND = Phase(chairs_blind=True, identities_revealed=False)
REVEALED = Phase(chairs_blind=True, identities_revealed=True)
NOT_BLIND = Phase(chairs_blind=False, identities_revealed=False)

# Columns: CONTENT, FINDING_TEXT, SPEAKER_IDENTITY, PROGRAMME_ATTRIBUTES, CHAIRS_ONLY_ANSWERS,
# SELF_IDENTIFICATION, DRAFT_TEXT. Written out in full on purpose: this table is the specification.
PARTS = (
    Part.CONTENT,
    Part.FINDING_TEXT,
    Part.SPEAKER_IDENTITY,
    Part.PROGRAMME_ATTRIBUTES,
    Part.CHAIRS_ONLY_ANSWERS,
    Part.SELF_IDENTIFICATION,
    Part.DRAFT_TEXT,
)
TABLE: dict[tuple[Viewer, Phase], tuple[Shown, ...]] = {
    (Viewer.SPEAKER, BLIND): (R, R, R, R, R, H, R),
    (Viewer.SPEAKER, REVEALED): (R, R, R, R, R, H, R),
    (Viewer.SPEAKER, NOT_BLIND): (R, R, R, R, R, H, R),
    (Viewer.REVIEWER, BLIND): (X, H, H, H, H, H, H),
    (Viewer.REVIEWER, REVEALED): (X, H, H, H, H, H, H),
    (Viewer.REVIEWER, NOT_BLIND): (X, H, H, H, H, H, H),
    (Viewer.CHAIR, BLIND): (X, H, H, H, H, H, H),
    (Viewer.CHAIR, REVEALED): (R, R, R, R, R, H, H),
    (Viewer.CHAIR, NOT_BLIND): (R, R, R, R, R, H, H),
    # Issue 25: mentoring is not anonymous, but the mentor never reads programme attributes,
    # chairs-only answers or self-identification; only speakers and mentor read a draft.
    (Viewer.MENTOR, BLIND): (R, R, R, H, H, H, R),
    (Viewer.MENTOR, REVEALED): (R, R, R, H, H, H, R),
    (Viewer.MENTOR, NOT_BLIND): (R, R, R, H, H, H, R),
}
CASES = [
    (viewer, phase, part, expected)
    for (viewer, phase), row in TABLE.items()
    for part, expected in zip(PARTS, row, strict=True)
]


def test_the_table_covers_every_viewer_phase_and_part() -> None:
    assert set(PARTS) == set(Part)
    assert {v for v, _ in TABLE} == set(Viewer)


@pytest.mark.parametrize(("viewer", "phase", "part", "expected"), CASES)
def test_each_part_is_shown_as_the_table_says(
    viewer: Viewer, phase: Phase, part: Part, expected: Shown
) -> None:
    assert shown(viewer=viewer, part=part, phase=phase) is expected


@pytest.mark.parametrize(("blind", "revealed"), list(itertools.product((True, False), repeat=2)))
def test_nobody_sees_self_identification_on_a_proposal(blind: bool, revealed: bool) -> None:
    phase = Phase(chairs_blind=blind, identities_revealed=revealed)

    assert not any(sees(viewer=v, part=Part.SELF_IDENTIFICATION, phase=phase) for v in Viewer)


@pytest.mark.parametrize(("viewer", "phase", "part", "expected"), CASES)
def test_pick_returns_the_text_the_viewer_may_see(
    viewer: Viewer, phase: Phase, part: Part, expected: Shown
) -> None:
    got = pick(viewer=viewer, part=part, phase=phase, raw="Ada's talk", redacted="[name]'s talk")

    assert got == {R: "Ada's talk", X: "[name]'s talk", H: ""}[expected]


def test_a_reveal_only_ever_shows_chairs_more() -> None:
    order = {H: 0, X: 1, R: 2}
    for part in Part:
        before = shown(viewer=Viewer.CHAIR, part=part, phase=BLIND)
        after = shown(viewer=Viewer.CHAIR, part=part, phase=REVEALED)
        assert order[after] >= order[before], part
