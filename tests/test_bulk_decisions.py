"""decide_proposals: all or nothing, the curation rules per row, refusals name the rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cfp import models as cfp_models
from reviews import models
from reviews.services import bulk_decisions
from reviews.services.bulk_decisions import Change
from tests import curation_world

pytestmark = pytest.mark.django_db


def statuses(w: curation_world.Curation) -> list[str]:
    got = dict(models.Decision.objects.values_list("proposal__code", "status"))
    return [got.get(p.code, "undecided") for p in w.proposals]


def run(w: curation_world.Curation, *changes: Change) -> bulk_decisions.BulkDecided:
    return bulk_decisions.decide_proposals(
        call=w.call.pk, chair=w.chair.pk, changes=changes, now=timezone.now()
    )


def test_accepting_the_top_ones_together_is_not_a_departure() -> None:
    w = curation_world.curation(5, slots=3, revealed=True)

    result = run(w, *(Change(p.code, "accepted") for p in w.proposals[:3]))

    assert statuses(w) == ["accepted"] * 3 + ["undecided"] * 2
    assert len(result.changed) == 3
    assert models.DecisionChange.objects.filter(departure=False).count() == 3
    assert cfp_models.AuditEvent.objects.filter(action="decision.changed").count() == 3


def test_a_departure_in_the_batch_refuses_everything_and_names_the_row() -> None:
    w = curation_world.curation(5, slots=3, revealed=True)
    skipped = w.proposals[1]

    with pytest.raises(bulk_decisions.UnableToDecideMany) as exc:
        run(w, Change(w.proposals[0].code, "accepted"), Change(w.proposals[2].code, "accepted"))

    assert [r.code for r in exc.value.rows] == [w.proposals[2].code]
    assert w.proposals[2].code in str(exc.value)
    assert "Talk number 3" in str(exc.value)
    assert skipped.code not in [r.code for r in exc.value.rows]
    assert statuses(w) == ["undecided"] * 5
    assert not models.DecisionChange.objects.exists()
    assert not cfp_models.AuditEvent.objects.filter(action="decision.changed").exists()


def test_a_reason_lets_the_departure_through() -> None:
    w = curation_world.curation(5, slots=3, revealed=True)

    run(w, Change(w.proposals[4].code, "accepted", reason="first_time"))

    change = models.DecisionChange.objects.get()
    assert (change.departure, change.reason) == (True, "first_time")


def test_over_the_slots_refuses_every_accepting_row_of_the_format() -> None:
    w = curation_world.curation(4, slots=2, revealed=True)

    with pytest.raises(bulk_decisions.UnableToDecideMany) as exc:
        run(w, *(Change(p.code, "accepted") for p in w.proposals[:3]))

    assert len(exc.value.rows) == 3
    assert statuses(w) == ["undecided"] * 4


def test_a_withdrawn_or_unknown_row_refuses_the_batch() -> None:
    w = curation_world.curation(3, slots=3)
    cfp_models.Proposal.objects.filter(pk=w.proposals[2].pk).update(state="withdrawn")

    with pytest.raises(bulk_decisions.UnableToDecideMany) as exc:
        run(w, Change(w.proposals[0].code, "accepted"), Change(w.proposals[2].code, "accepted"))
    assert [r.code for r in exc.value.rows] == [w.proposals[2].code]
    with pytest.raises(bulk_decisions.UnableToDecideMany):
        run(w, Change(w.proposals[0].code, "accepted"), Change("NOPE", "accepted"))
    assert statuses(w)[:2] == ["undecided"] * 2


def test_a_stale_version_refuses_the_batch() -> None:
    w = curation_world.curation(3, slots=3)
    run(w, Change(w.proposals[0].code, "waitlisted"))

    with pytest.raises(bulk_decisions.UnableToDecideMany):
        run(
            w,
            Change(w.proposals[0].code, "accepted", seen_version=0),
            Change(w.proposals[1].code, "accepted", seen_version=0),
        )
    assert statuses(w) == ["waitlisted", "undecided", "undecided"]


def test_rows_already_so_decided_are_left_alone() -> None:
    w = curation_world.curation(3, slots=3)
    run(w, Change(w.proposals[0].code, "rejected"))

    result = run(w, *(Change(p.code, "rejected") for p in w.proposals))

    assert result.unchanged == (w.proposals[0].code,)
    assert models.DecisionChange.objects.count() == 3


@settings(max_examples=25, deadline=None)
@given(
    plan=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4),
            st.sampled_from(["accepted", "waitlisted", "rejected", "undecided"]),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    )
)
def test_any_batch_is_all_or_nothing(plan: list[tuple[int, str]]) -> None:
    """Whatever the batch: either every row has its new decision, or no row changed at all."""
    with transaction_rollback():
        w = curation_world.curation(5, slots=2, revealed=True, slug="prop")
        before = statuses(w)
        changes = [Change(w.proposals[i].code, s) for i, s in plan]
        try:
            run(w, *changes)
        except bulk_decisions.UnableToDecideMany as exc:
            refused = exc.rows
        else:
            refused = ()
        after = statuses(w)
        if refused:
            assert after == before
        else:
            for i, s in plan:
                assert after[i] == s
            assert sum(1 for s in after if s == "accepted") <= 2


class transaction_rollback:
    """Each hypothesis example in its own savepoint, rolled back after."""

    def __enter__(self) -> None:
        from django.db import transaction

        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def __exit__(self, *exc: object) -> None:
        from django.db import transaction

        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)


@pytest.mark.parametrize("n", [1, 3, 30])
def test_the_query_count_does_not_grow_with_the_batch(
    n: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation_world.curation(n, slots=n, slug=f"q{n}")
    # formats+call, run, missing decisions (one INSERT … SELECT), lock, read, update,
    # history and audit (one INSERT each, whatever the number of rows: common.bulk_insert).
    with assert_queries(8):
        run(w, *(Change(p.code, "accepted") for p in w.proposals))
    assert statuses(w) == ["accepted"] * n


def test_the_history_and_audit_rows_of_a_bulk_decision_read_back_as_written() -> None:
    w = curation_world.curation(2, slots=2, revealed=True)
    run(w, Change(w.proposals[1].code, "accepted", reason="first_time"))

    (change,) = models.DecisionChange.objects.all()
    (event,) = cfp_models.AuditEvent.objects.filter(action="decision.changed")
    assert (change.from_status, change.to_status, change.reason) == (
        "undecided",
        "accepted",
        "first_time",
    )
    assert change.departure is True
    assert change.identities_known is True
    assert change.rank == 2
    assert change.actor_id == w.chair.pk
    assert change.created_at is not None
    assert event.data == {
        "from": "undecided",
        "to": "accepted",
        "reason": "first_time",
        "departure": True,
        "bulk": True,
    }
    assert event.proposal_id == w.proposals[1].pk


def test_bulk_form_on_the_shortlist_decides_the_selected_rows() -> None:
    w = curation_world.curation(3, slots=3, revealed=True)
    url = reverse("chair:bulk_decide", kwargs={"slug": w.call.slug})

    response = w.client.post(
        url + "?decision=undecided",
        {"status": "accepted", "codes": [w.proposals[0].code, w.proposals[1].code]},
    )

    assert response.status_code == 302
    assert "decision=undecided" in response["Location"]
    assert statuses(w) == ["accepted", "accepted", "undecided"]


def test_a_refused_bulk_form_names_the_rows_and_keeps_the_selection() -> None:
    w = curation_world.curation(3, slots=3, revealed=True)
    url = reverse("chair:bulk_decide", kwargs={"slug": w.call.slug})

    response = w.client.post(url, {"status": "accepted", "codes": [w.proposals[2].code]})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Talk number 3" in body
    assert f'value="{w.proposals[2].code}" checked' in body or (
        f'value="{w.proposals[2].code}"' in body and "checked" in body
    )
    assert statuses(w) == ["undecided"] * 3


def test_select_all_in_filter_decides_every_matching_row() -> None:
    w = curation_world.curation(4, slots=4, revealed=True)
    url = reverse("chair:bulk_decide", kwargs={"slug": w.call.slug})

    response = w.client.post(url + "?decision=undecided", {"status": "waitlisted", "all": "1"})

    assert response.status_code == 302
    assert statuses(w) == ["waitlisted"] * 4
