"""Who may see which part of a proposal, now: the one rule every page, export and command asks.

Plain Python: the caller passes the viewer's relation to the proposal and the call's phase; the
answer is how that part is shown (as written, redacted by the leak scanner, or not at all).
``tests/domain/test_visibility.py`` holds the whole table, and ``tests/test_policy_guard.py``
fails when any other module reads the blind/reveal fields or role memberships itself.

Adding a role (a mentor, say) means adding a ``Viewer`` and its column in ``_TABLE``; every screen
that asks ``shown(...)`` follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Viewer(StrEnum):
    """The viewer's relation to one proposal (per call roles, plus being one of its speakers)."""

    SPEAKER = "speaker"
    REVIEWER = "reviewer"
    CHAIR = "chair"
    # The mentor matched to this proposal (issue 25); any other mentor is nobody to it.
    MENTOR = "mentor"


class Part(StrEnum):
    """The parts of a proposal that are shown separately."""

    # Title, abstract, description, notes and answers to reviewer-visible questions.
    CONTENT = "content"
    # The raw text a scanner finding flagged, and the words around it: the suspected identity.
    FINDING_TEXT = "finding_text"
    # Names, e-mails, bios, affiliations, links, and who acted on the proposal by name.
    SPEAKER_IDENTITY = "speaker_identity"
    # First-time speaker, wants mentoring, region, English as an additional language.
    PROGRAMME_ATTRIBUTES = "programme_attributes"
    # Answers to questions the chair marked "chairs only" (never scanned).
    CHAIRS_ONLY_ANSWERS = "chairs_only_answers"
    # Per-person self-identification: nobody but the person, never on a proposal.
    SELF_IDENTIFICATION = "self_identification"
    # A draft's text, and the mentoring thread and suggestions around it (issue 25): the
    # speakers and their mentor. Chairs know a draft exists and its mentoring state, no more.
    DRAFT_TEXT = "draft_text"


class Shown(StrEnum):
    RAW = "raw"
    REDACTED = "redacted"
    HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class Phase:
    """Where the call stands on blindness: the only two facts the rule depends on."""

    chairs_blind: bool
    identities_revealed: bool

    @property
    def chairs_know_identities(self) -> bool:
        return not self.chairs_blind or self.identities_revealed


# One row per part; the columns are who is looking. A chair has two columns: while chairs are
# blind (and identities not yet revealed), and once they know who the speakers are. A new role
# is a new column here. Mentoring is not anonymous: the mentor reads the text as written, the
# speaker's name and the scanner's warnings (so the final text is review-safe), never the
# programme attributes, chairs-only answers or self-identification.
_S, _X, _H = Shown.RAW, Shown.REDACTED, Shown.HIDDEN
#                   speaker reviewer blind chair seeing chair mentor
_TABLE: dict[Part, tuple[Shown, Shown, Shown, Shown, Shown]] = {
    Part.CONTENT: (_S, _X, _X, _S, _S),
    Part.FINDING_TEXT: (_S, _H, _H, _S, _S),
    Part.SPEAKER_IDENTITY: (_S, _H, _H, _S, _S),
    Part.PROGRAMME_ATTRIBUTES: (_S, _H, _H, _S, _H),
    Part.CHAIRS_ONLY_ANSWERS: (_S, _H, _H, _S, _H),
    Part.SELF_IDENTIFICATION: (_H, _H, _H, _H, _H),
    Part.DRAFT_TEXT: (_S, _H, _H, _H, _S),
}


def _column(viewer: Viewer, phase: Phase) -> int:
    if viewer is Viewer.SPEAKER:
        return 0
    if viewer is Viewer.REVIEWER:
        return 1
    if viewer is Viewer.MENTOR:
        return 4
    return 3 if phase.chairs_know_identities else 2


def shown(*, viewer: Viewer, part: Part, phase: Phase) -> Shown:
    """How ``part`` of a proposal is shown to ``viewer`` while the call is in ``phase``."""
    return _TABLE[part][_column(viewer, phase)]


def sees(*, viewer: Viewer, part: Part, phase: Phase) -> bool:
    """Whether ``viewer`` sees ``part`` in any form."""
    return shown(viewer=viewer, part=part, phase=phase) is not Shown.HIDDEN


def pick(*, viewer: Viewer, part: Part, phase: Phase, raw: str, redacted: str) -> str:
    """The text of ``part`` this viewer gets: the raw or the redacted version, or nothing."""
    form = shown(viewer=viewer, part=part, phase=phase)
    if form is Shown.RAW:
        return raw
    if form is Shown.REDACTED:
        return redacted
    return ""


class OthersReviews(StrEnum):
    """When a reviewer may read the other reviews of a proposal (a call setting, issue 21)."""

    NEVER = "never"
    AFTER_OWN = "after_own"
    AFTER_PHASE = "after_phase"


@dataclass(frozen=True, slots=True)
class ReviewerStanding:
    """What the committee rule needs to know about one reviewer and one proposal, now."""

    has_own_review: bool
    review_phase_over: bool


def reads_others_reviews(
    *, viewer: Viewer, setting: OthersReviews, standing: ReviewerStanding
) -> bool:
    """Whether ``viewer`` may read the other reviews (scores and notes) of a proposal.

    Chairs always may. Reviewers per the call's setting; never before their own review is in, so
    nothing they read can herd their first, independent score.
    """
    if viewer is Viewer.CHAIR:
        return True
    if viewer is not Viewer.REVIEWER or not standing.has_own_review:
        return False
    if setting is OthersReviews.AFTER_OWN:
        return True
    if setting is OthersReviews.AFTER_PHASE:
        return standing.review_phase_over
    return False


def reads_discussion(*, viewer: Viewer, standing: ReviewerStanding) -> bool:
    """Whether ``viewer`` may read and write a proposal's discussion thread.

    Chairs always; a reviewer once their own review is in (whatever the others'-reviews setting
    says: a discussion read before scoring would herd the score it should stay independent of).
    """
    if viewer is Viewer.CHAIR:
        return True
    return viewer is Viewer.REVIEWER and standing.has_own_review


def committee_text(*, viewer: Viewer, phase: Phase, is_author: bool, raw: str, shown: str) -> str:
    """A committee member's words (a review note, a discussion post) as ``viewer`` reads them:
    the author and chairs who know the identities read what was written, everyone else the
    version with person-like names held back."""
    if is_author or (viewer is Viewer.CHAIR and phase.chairs_know_identities):
        return raw
    return shown


def searches_identities(*, viewer: Viewer, phase: Phase) -> bool:
    """Whether a search by this viewer may match speakers' names (chairs after the reveal only)."""
    return sees(viewer=viewer, part=Part.SPEAKER_IDENTITY, phase=phase)
