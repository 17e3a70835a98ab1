"""The committee's words: pseudonyms, person-like names held back without an oracle, "I know who
this is", and who may read others' reviews and the discussion (issue 21)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfp.domain import leaks, visibility
from cfp.domain.visibility import OthersReviews, ReviewerStanding, Viewer
from reviews.domain import discussion

SPEAKER = leaks.SpeakerIdentity(name="Jane Quellmark", email="jane@quell.example")

TEMPLATES = (
    "I am fairly sure {name} wrote this one.",
    "Sounds a lot like the talk {name} gave last year.",
    "Honestly? {name} again.",
)

_LOWER = "abcdefghijklmnopqrstuvwxyzäéñøł"
name_part = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZÄÉÑØŁ"),
    st.text(alphabet=_LOWER, min_size=2, max_size=9),
).filter(lambda w: w.casefold() not in discussion._NOT_NAMES)
invented_names = st.builds(lambda a, b: f"{a} {b}", name_part, name_part)


def test_letters_run_past_z() -> None:
    assert [discussion.letter(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def test_pseudonyms_follow_first_saved_order_and_never_the_log_in() -> None:
    assert discussion.pseudonyms([42, 7, 42, 19]) == {42: "A", 7: "B", 19: "C"}


@settings(max_examples=150, deadline=None)
@given(invented=invented_names, template=st.sampled_from(TEMPLATES))
def test_a_post_naming_an_invented_person_is_held_back_exactly_like_one_naming_the_speaker(
    invented: str, template: str
) -> None:
    real = discussion.check(template.format(name=SPEAKER.name), speakers=[SPEAKER])
    made_up = discussion.check(template.format(name=invented), speakers=[SPEAKER])

    # The writer's warning names what they wrote, in both cases; other readers see the same text.
    assert real.held == (SPEAKER.name,)
    assert made_up.held == (invented,)
    assert real.shown == made_up.shown == template.format(name=discussion.HELD_MARKER)


def test_the_speakers_own_identity_is_removed_for_others_even_where_no_warning_is_given() -> None:
    checked = discussion.check("pretty sure jane quellmark submitted this", speakers=[SPEAKER])

    assert "quellmark" not in checked.shown.casefold()
    # The same lower-case words about anyone else draw no warning either: nothing to compare.
    assert checked.held == discussion.check("pretty sure jane quellmark submitted this").held


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("This reminds me of Dr Quell's work.", ("Dr Quell's",)),
        ("Write to jane@example.org for slides", ("jane@example.org",)),
        ("The Django admin is a good topic. Testing matters.", ()),
        ("In Python we trust. Ana María López wrote it", ("Ana María López",)),
    ],
)
def test_person_like_names_and_identity_free_leaks_are_held(
    text: str, held: tuple[str, ...]
) -> None:
    assert discussion.check(text).held == held


@pytest.mark.parametrize(
    "text",
    [
        "I know who this is.",
        "I think I recognise the speaker from the style",
        "We can tell who wrote this",
        "This is clearly by someone from my team",
        "I've seen this talk before",
    ],
)
def test_saying_you_know_the_speaker_offers_recusal(text: str) -> None:
    assert discussion.check(text).knows_speaker


@pytest.mark.parametrize("text", ["I know this topic well.", "Who is the audience for this?"])
def test_ordinary_remarks_do_not_offer_recusal(text: str) -> None:
    assert not discussion.check(text).knows_speaker


STANDING_BEFORE = ReviewerStanding(has_own_review=False, review_phase_over=True)
STANDING_AFTER_OWN = ReviewerStanding(has_own_review=True, review_phase_over=False)
STANDING_AFTER_ALL = ReviewerStanding(has_own_review=True, review_phase_over=True)


@pytest.mark.parametrize(
    ("setting", "standing", "expected"),
    [
        (OthersReviews.AFTER_OWN, STANDING_BEFORE, False),
        (OthersReviews.AFTER_OWN, STANDING_AFTER_OWN, True),
        (OthersReviews.AFTER_PHASE, STANDING_AFTER_OWN, False),
        (OthersReviews.AFTER_PHASE, STANDING_AFTER_ALL, True),
        (OthersReviews.AFTER_PHASE, STANDING_BEFORE, False),
        (OthersReviews.NEVER, STANDING_AFTER_ALL, False),
    ],
)
def test_a_reviewer_reads_others_reviews_only_as_the_setting_allows_and_after_their_own(
    setting: OthersReviews, standing: ReviewerStanding, expected: bool
) -> None:
    assert (
        visibility.reads_others_reviews(viewer=Viewer.REVIEWER, setting=setting, standing=standing)
        is expected
    )


def test_chairs_always_read_others_reviews_and_speakers_never() -> None:
    for setting in OthersReviews:
        assert visibility.reads_others_reviews(
            viewer=Viewer.CHAIR, setting=setting, standing=STANDING_BEFORE
        )
        assert not visibility.reads_others_reviews(
            viewer=Viewer.SPEAKER, setting=setting, standing=STANDING_AFTER_ALL
        )


def test_the_discussion_opens_to_a_reviewer_after_their_own_review() -> None:
    assert not visibility.reads_discussion(viewer=Viewer.REVIEWER, standing=STANDING_BEFORE)
    assert visibility.reads_discussion(viewer=Viewer.REVIEWER, standing=STANDING_AFTER_OWN)
    assert visibility.reads_discussion(viewer=Viewer.CHAIR, standing=STANDING_BEFORE)
