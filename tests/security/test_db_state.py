"""The fuzzers' "refusals write nothing" rests on `db_state`: it must see any change to any
column of any row, on SQLite and on PostgreSQL (where it is one query)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cfp import models as cfp_models
from tests.security.conftest import changed_tables, db_state, security_world

pytestmark = pytest.mark.django_db


def test_db_state_sees_a_change_to_one_column_of_one_row_and_its_undoing() -> None:
    w = security_world()
    proposal = cfp_models.Proposal.objects.filter(call=w.call).order_by("pk").first()
    assert proposal is not None
    before = db_state()
    title = proposal.title

    cfp_models.Proposal.objects.filter(pk=proposal.pk).update(title=title + ".")
    changed = db_state()
    cfp_models.Proposal.objects.filter(pk=proposal.pk).update(title=title)
    undone = db_state()

    assert changed != before
    assert changed_tables(before, changed).startswith(cfp_models.Proposal._meta.db_table)
    assert (
        changed[cfp_models.Proposal._meta.db_table][0]
        == before[cfp_models.Proposal._meta.db_table][0]
    )
    assert undone == before


def test_db_state_sees_a_new_row_and_a_changed_timestamp() -> None:
    w = security_world()
    before = db_state()

    cfp_models.AuditEvent.objects.create(
        call=w.call, actor_id=None, action="test.row", data={}, created_at=timezone.now()
    )
    added = db_state()
    cfp_models.AuditEvent.objects.filter(action="test.row").update(
        created_at=timezone.now() + dt.timedelta(microseconds=1)
    )
    moved = db_state()

    table = cfp_models.AuditEvent._meta.db_table
    assert added[table][0] == before[table][0] + 1
    assert moved[table] != added[table]
