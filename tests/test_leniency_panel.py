"""The reviewers page's leniency panel (issue 19): each reviewer's offset from the calibration
model with its interval, on the criteria's scale, with a plain legend and an SVG interval plot."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cfp import models as cfp_models
from reviews import models
from reviews.domain import charts
from reviews.queries import leniency
from tests import factories

pytestmark = pytest.mark.django_db


def _world(offsets: list[tuple[float, float, float]]) -> tuple[cfp_models.Call, Client]:
    """A call (criteria 1–5) whose current snapshot has these (offset, low, high) on 0..10."""
    c = factories.call()
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    now = timezone.now()
    old = models.AggregationRun.objects.create(
        call=c, state=models.RunState.DONE, requested_at=now, finished_at=now - dt.timedelta(1)
    )
    run = models.AggregationRun.objects.create(
        call=c, state=models.RunState.DONE, requested_at=now, finished_at=now
    )
    for i, (offset, low, high) in enumerate(offsets):
        u = factories.user(f"reviewer{i}", first_name=f"Reviewer {i}")
        factories.member(c, u, "reviewer")
        models.ReviewerScore.objects.create(
            run=run,
            reviewer=u,
            review_count=4,
            assigned=4,
            offset=offset,
            offset_low=low,
            offset_high=high,
        )
        # An older snapshot says otherwise: the panel reads the current one only.
        models.ReviewerScore.objects.create(
            run=old, reviewer=u, review_count=1, offset=-9.0, offset_low=-9.5, offset_high=-8.5
        )
    client = Client()
    client.force_login(chair)
    return c, client


def _panel(client: Client, c: cfp_models.Call) -> str:
    body = client.get(reverse("reviewers:list", args=[c.slug])).content.decode()
    start = body.index('id="leniency"')
    return body[start : body.index("</section>", start)]


def test_each_reviewer_shows_leniency_on_the_criteria_scale_most_lenient_first() -> None:
    # On 0..10: +2 (1 to 3), -1 (-2.5 to 0.5); on 1–5 that is +0.8 (0.4 to 1.2), -0.4 (-1 to 0.2).
    c, client = _world([(-1.0, -2.5, 0.5), (2.0, 1.0, 3.0)])

    panel = _panel(client, c)

    assert panel.index("Reviewer 1") < panel.index("Reviewer 0")
    assert "0.80" in panel
    assert "(0.40 to 1.20)" in panel
    assert "-0.40" in panel
    assert "(-1.00 to 0.20)" in panel
    assert "-9" not in panel


def test_the_panel_says_lenient_strict_or_like_the_committee_from_the_interval() -> None:
    c, client = _world([(2.0, 1.0, 3.0), (-2.0, -3.0, -0.5), (0.5, -0.5, 1.5)])

    panel = _panel(client, c)

    rows = re.findall(r'<tr class="leniency-(\w+)">\s*<th scope="row">([^<]+)</th>', panel)
    assert rows == [
        ("lenient", "Reviewer 0"),
        ("typical", "Reviewer 2"),
        ("strict", "Reviewer 1"),
    ]


def test_the_panel_has_a_plain_legend_and_a_picture() -> None:
    c, client = _world([(2.0, 1.0, 3.0)])

    panel = _panel(client, c)

    assert "How to read it:" in panel
    assert "the bar is the 90 % interval" in panel
    assert panel.count('<svg class="interval leniency-plot"') == 1


def test_without_a_snapshot_the_panel_says_when_it_appears() -> None:
    c = factories.call()
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    client = Client()
    client.force_login(chair)

    panel = _panel(client, c)

    assert "No estimate yet" in panel


@pytest.mark.parametrize("rows", [1, 3])
def test_the_panel_is_one_query_whatever_the_number_of_reviewers(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    c, _client = _world([(0.1 * i, -1.0, 1.0) for i in range(rows)])

    with assert_queries(1):
        result = leniency.leniency_panel(call_id=c.pk)

    assert len(result.rows) == rows


# --- the plot's geometry --------------------------------------------------------------------


@given(
    intervals=st.lists(
        st.tuples(st.floats(-30, 30), st.floats(0, 30)).map(lambda t: (t[0], t[0] + t[1])),
        min_size=1,
        max_size=8,
    ),
    limit=st.floats(1, 20),
)
def test_every_mark_stays_inside_the_plot(
    intervals: list[tuple[float, float]], limit: float
) -> None:
    axis = charts.interval_axis(intervals, limit=limit)

    for low, high in intervals:
        mark = axis.mark(centre=(low + high) / 2, low=low, high=high)
        assert 0 <= mark.x_low <= mark.x_centre <= axis.width
        assert mark.x_low + mark.bar_width <= axis.width + 1
    assert axis.reach <= limit


def test_the_axis_is_the_smallest_round_reach_that_holds_every_interval() -> None:
    axis = charts.interval_axis([(-0.3, 0.2), (0.1, 0.7)], limit=4.0)

    assert axis.reach == 1.0
    assert axis.x(0.0) == axis.width / 2
    assert axis.mark(centre=0.4, low=0.1, high=0.7).clear
    assert not axis.mark(centre=0.0, low=-0.3, high=0.2).clear
