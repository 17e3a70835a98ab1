"""Concurrent writes on PostgreSQL: the upsert behind "one review per reviewer and proposal"."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from psycopg import sql

from cfp import models as cfp_models
from reviews import models, services
from reviews.services import seed
from tests.services.conftest import database_url, wait_for

THREADS = 20


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_saves_of_one_review_leave_one_row_and_no_error() -> None:
    result = seed.seed_demo(
        slug="race", proposals=6, reviewers=3, seed=1, now=timezone.now(), aggregate=False
    )
    call_id = cfp_models.Call.objects.get(slug="race").pk
    reviewed = set(
        models.Review.objects.filter(call_id=call_id).values_list("proposal_id", "reviewer_id")
    )
    target = next(
        a
        for a in models.Assignment.objects.filter(proposal__call_id=call_id).order_by("id")
        if (a.proposal_id, a.reviewer_id) not in reviewed
    )
    saved = [{c.slug: 1 + (i + k) % 5 for k, c in enumerate(result.criteria)} for i in range(5)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.score_proposal(
                call_id=call_id,
                proposal_id=target.proposal_id,
                proposal_version=1,
                reviewer_id=target.reviewer_id,
                criteria=result.criteria,
                data=services.ReviewData(scores=saved[i % len(saved)], confidence=3),
                now=timezone.now(),
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    rows = list(
        models.Review.objects.filter(
            proposal_id=target.proposal_id, reviewer_id=target.reviewer_id
        ).values_list("scores", flat=True)
    )
    assert len(rows) == 1
    assert rows[0] in saved


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_run_requested_while_another_is_being_computed_gets_computed_too() -> None:
    """Two workers: one computes run 1; run 2 is requested; a second worker takes the task.

    The first worker is held inside its computation (after claiming run 1, while it reads the
    assignments) by an exclusive lock on the assignment table, so the second one claims while the
    first is still busy, as happens with more than one worker process.
    """
    seed.seed_demo(
        slug="overlap", proposals=6, reviewers=3, seed=1, now=timezone.now(), aggregate=False
    )
    call_id = cfp_models.Call.objects.get(slug="overlap").pk
    first = models.AggregationRun.objects.create(call_id=call_id, requested_at=timezone.now())
    table = models.Assignment._meta.db_table
    errors: list[BaseException] = []

    def work() -> None:
        try:
            services.run_aggregation(call_id=call_id, now=timezone.now())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def waiting(n: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                [table],
            )
            row = cursor.fetchone()
        return row is not None and row[0] >= n

    workers = [threading.Thread(target=work) for _ in range(2)]
    with psycopg.connect(database_url(connection.settings_dict)) as blocker:
        blocker.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table))
        )
        workers[0].start()
        wait_for(lambda: waiting(1), timeout=30, what="the first worker to be computing")
        # Made directly: request_aggregation would also wake the session's worker, if running.
        second = models.AggregationRun.objects.create(call_id=call_id, requested_at=timezone.now())
        workers[1].start()
        wait_for(lambda: waiting(2), timeout=30, what="the second worker to be computing")
        blocker.rollback()
    for t in workers:
        t.join(timeout=60)

    assert errors == []
    states = dict(models.AggregationRun.objects.filter(call_id=call_id).values_list("pk", "state"))
    assert states == {first.pk: models.RunState.DONE, second.pk: models.RunState.DONE}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_speaker_edit_in_progress_neither_blocks_nor_deadlocks_an_aggregation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the load test: a speaker saving a proposal while a worker wrote a snapshot.

    The edit locked the proposal row FOR UPDATE, and the snapshot's ProposalScore rows need a
    key-share lock on that row; the edit then inserted a version row needing a key-share lock on
    the call, which the worker held FOR UPDATE: PostgreSQL broke the cycle with a deadlock error
    and the speaker got a 500. Serialisation locks are now FOR NO KEY UPDATE, which do not
    conflict with foreign-key checks, so the worker writes while the edit is open.
    """
    seed.seed_demo(slug="edits", proposals=6, reviewers=3, seed=2, now=timezone.now())
    call = cfp_models.Call.objects.get(slug="edits")
    proposal = cfp_models.Proposal.objects.filter(call=call).order_by("id").first()
    assert proposal is not None
    owner_id = proposal.owner_id
    assert owner_id is not None
    services.request_aggregation(call_id=call.pk, now=timezone.now(), enqueue=False)

    from cfp import services as cfp_services
    from cfp.services import texts

    inside_edit = threading.Event()
    aggregated = threading.Event()
    original_store = texts.store_texts

    def store_then_wait(**kwargs: object) -> None:
        original_store(**kwargs)  # type: ignore[arg-type]
        inside_edit.set()  # the proposal row is locked and updated; the transaction is open
        aggregated.wait(timeout=15)

    monkeypatch.setattr(texts, "store_texts", store_then_wait)
    errors: list[BaseException] = []

    def edit() -> None:
        try:
            cfp_services.update_proposal(
                call_slug="edits",
                code=proposal.code,
                user_id=owner_id,
                data=cfp_services.ProposalData(
                    title="A new title while the committee aggregates",
                    abstract=proposal.abstract,
                    format_slug=proposal.format.slug,
                    track_slug=proposal.track.slug if proposal.track else "",
                    level=proposal.level,
                    language=proposal.language,
                ),
                now=timezone.now(),
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def aggregate() -> None:
        try:
            assert inside_edit.wait(timeout=30)
            services.run_aggregation(call_id=call.pk, now=timezone.now())
            aggregated.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit), threading.Thread(target=aggregate)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert aggregated.is_set()  # the snapshot was written while the edit was still open
    assert models.AggregationRun.objects.filter(call=call, state=models.RunState.DONE).exists()
    assert cfp_models.Proposal.objects.get(pk=proposal.pk).title == (
        "A new title while the committee aggregates"
    )
