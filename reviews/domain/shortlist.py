"""The shortlist's vocabulary: flags, "near the cut", sort orders and page sizes.

Plain Python shared by the shortlist form (what a chair may choose), its filters (what the
database matches) and its query (what a row says), so the three cannot drift apart.
"""

from __future__ import annotations

from common.numbers import is_whole_number
from reviews.domain import scoring

# p_in_slots between these (inclusive) marks a proposal "near the cut": a coin flip, worth the
# committee's discussion time (docs/scoring-model.md, "Chance to land in the slots").
NEAR_CUT_LOW = 0.2
NEAR_CUT_HIGH = 0.8
NEAR_CUT = "near_cut"

# Flags as the aggregation writes them (docs/scoring-model.md); "near the cut" is computed.
STORED_FLAGS = (scoring.UNDER_REVIEWED, scoring.HIGH_DISAGREEMENT, scoring.LOW_CONFIDENCE)

SORTS = ("rank", "calibrated", "mean", "reviews", "disagreement")
DEFAULT_SORT = "rank"

PER_PAGE_CHOICES = (25, 50, 100, 250)
DEFAULT_PER_PAGE = 50

# Filters on programme attributes (PRODUCT.md data class 3) read speaker rows: they apply only
# where the blindness policy shows a chair programme attributes.
PROGRAMME_FILTERS = ("first_time", "wants_mentor", "english_additional")


def is_near_cut(p_in_slots: float | None) -> bool:
    return p_in_slots is not None and NEAR_CUT_LOW <= p_in_slots <= NEAR_CUT_HIGH


def per_page(raw: object) -> int:
    """A page size from the query string: one of the choices, else the default."""
    text = str(raw or "").strip()
    return int(text) if text in {str(n) for n in PER_PAGE_CHOICES} else DEFAULT_PER_PAGE


def page_number(raw: object) -> int:
    """A page number from the query string; never an error.

    Text that is not a positive whole number means the first page; a number past the last page
    (however long) is clamped to the last page by the query.
    """
    text = str(raw or "").strip()
    if not is_whole_number(text):
        return 1
    return max(1, int(text[:10]) if len(text) <= 10 else 10**10)
