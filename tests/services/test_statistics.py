"""Bulk loads leave PostgreSQL with fresh planner statistics (common/stats.py)."""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from reviews.services import seed
from tests.services.conftest import wait_for


def _analyzed(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table]
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_seeding_a_large_call_analyzes_the_tables_it_filled() -> None:
    # The test database is new: nothing has analyzed these tables by hand before.
    assert not _analyzed("reviews_review")

    seed.seed_demo(
        slug="stats",
        proposals=300,
        reviewers=20,
        seed=3,
        now=timezone.now(),
        per_proposal=5,
        reviewed_share=1.0,
        aggregate=False,
    )

    for table in ("reviews_review", "reviews_assignment", "cfp_proposal"):
        wait_for(partial(_analyzed, table), timeout=15, what=f"ANALYZE of {table}")
