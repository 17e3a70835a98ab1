"""One write path per review: an imported review is the row the scoring screen would store.

``import_reviews`` and the scoring screen's save both end in
``reviews.services.reviews.record_reviews``; this property holds that to account on generated
reviews, new and replacing an earlier one (scored or abstained), on proposals at any version. A
rule that one path applied and the other not (a default confidence, a score computed another way,
a comment kept unstripped, an old version number) shows up as a difference in the stored row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfp import models as cfp_models
from reviews import models
from reviews.services import importing
from tests import factories

pytestmark = pytest.mark.django_db

COMPARED = ("scores", "score", "confidence", "comment", "abstained", "proposal_version")

SCORE = st.integers(min_value=1, max_value=5)
SPACE = st.sampled_from(["", " ", "  ", "\n", "\t "])
COMMENT = st.tuples(
    SPACE,
    st.text(
        alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
        max_size=120,
    ),
    SPACE,
).map("".join)


@st.composite
def reviews(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "scores": {"relevance": draw(SCORE), "clarity": draw(SCORE)},
        "confidence": draw(st.none() | st.integers(min_value=1, max_value=5)),
        "comment": draw(COMMENT),
    }


class _Undo(Exception):
    """Raised to roll an example back, so each starts from the same world."""


@contextmanager
def rolled_back() -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    c = factories.call("pycon")
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    imported = factories.proposal(c, factories.user("sam"), title="Imported")
    screened = factories.proposal(c, factories.user("sue"), title="Screened")
    factories.assign(screened, reviewer)
    client = Client()
    client.force_login(reviewer)
    return {
        "call": c,
        "reviewer": reviewer,
        "imported": imported,
        "screened": screened,
        "client": client,
        "path": tmp_path / "reviews.jsonl",
    }


def _import(w: dict[str, Any], review: dict[str, Any]) -> None:
    line = {"proposal": w["imported"].code, "reviewer": "rita", **review}
    w["path"].write_text(json.dumps(line) + "\n", encoding="utf-8")
    importing.import_reviews(path=w["path"], call_slug=w["call"].slug, now=timezone.now())


def _save(w: dict[str, Any], on: str, review: dict[str, Any] | None) -> None:
    """Save on the scoring screen of proposal ``on``: ``review``, or an abstention if None."""
    if review is None:
        data = {"action": "abstain", "abstain_reason": "I know the speaker"}
    else:
        data = {f"score_{slug}": str(v) for slug, v in review["scores"].items()}
        data.update(
            confidence="" if review["confidence"] is None else str(review["confidence"]),
            comment=review["comment"],
            action="save",
        )
    url = reverse("reviews:screen", args=[w["call"].slug, w[on].code])
    response = w["client"].post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def _row(proposal: cfp_models.Proposal) -> tuple[Any, ...]:
    row: tuple[Any, ...] = (
        models.Review.objects.filter(proposal=proposal).values_list(*COMPARED).get()
    )
    return row


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    review=reviews(),
    earlier=st.none() | st.just("abstained") | reviews(),
    version=st.integers(min_value=1, max_value=4),
)
def test_an_imported_review_is_the_row_the_scoring_screen_stores(
    world: dict[str, Any], review: dict[str, Any], earlier: object, version: int
) -> None:
    with rolled_back():
        cfp_models.Proposal.objects.filter(
            pk__in=[world["imported"].pk, world["screened"].pk]
        ).update(version=version)
        if isinstance(earlier, dict):
            # A review brought earlier the same way: the new one replaces it.
            _import(world, earlier)
            _save(world, "screened", earlier)
        elif earlier == "abstained":
            # An abstention from the screen: an imported score replaces it like a saved one.
            factories.assign(world["imported"], world["reviewer"])
            _save(world, "imported", None)
            _save(world, "screened", None)

        _import(world, review)
        _save(world, "screened", review)

        assert _row(world["imported"]) == _row(world["screened"])
