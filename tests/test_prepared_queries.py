"""Queries built once per process (``reviews.queries.prepared``) bind each call's own values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Value

from reviews.queries import prepared

pytestmark = pytest.mark.django_db

User = get_user_model()


def _by_name(*, username: str) -> QuerySet[Any]:
    return User.objects.filter(username=username).values_list("username")


def _by_id_above(*, floor: int) -> QuerySet[Any]:
    return User.objects.filter(pk__gt=floor).order_by("pk").values_list("username")


def test_each_call_reads_with_its_own_values_not_the_first_calls() -> None:
    User.objects.create(username="ada")
    User.objects.create(username="grace")
    query = prepared.Prepared(_by_name, model=User, texts=("username",))

    first = query.rows(username="ada")
    second = query.rows(username="grace")

    assert first == [("ada",)]
    assert second == [("grace",)]


def test_integer_values_are_bound_too() -> None:
    ada = User.objects.create(username="ada")
    User.objects.create(username="grace")
    query = prepared.Prepared(_by_id_above, model=User, ints=("floor",))

    assert query.rows(floor=0) == [("ada",), ("grace",)]
    assert query.rows(floor=ada.pk) == [("grace",)]


def _inlined(*, floor: int) -> QuerySet[Any]:
    # The value never reaches the SQL's parameters: preparing it must refuse, not run stale SQL.
    return User.objects.annotate(f=Value(1)).values_list("username")


def test_a_query_that_drops_a_value_is_refused() -> None:
    query = prepared.Prepared(_inlined, model=User, ints=("floor",))

    with pytest.raises(prepared.UnableToPrepare):
        query.rows(floor=3)


def test_a_call_without_every_value_is_refused() -> None:
    query = prepared.Prepared(_by_name, model=User, texts=("username",))

    with pytest.raises(TypeError):
        query.rows()


def _joined(*, username: str) -> QuerySet[Any]:
    return User.objects.filter(username=username).values_list("date_joined", "is_active")


def test_columns_come_back_as_the_orm_converts_them() -> None:
    User.objects.create(username="ada")
    query = prepared.Prepared(_joined, model=User, texts=("username",))

    [(joined, active)] = query.rows(username="ada")

    assert isinstance(joined, dt.datetime)
    assert joined.tzinfo is not None
    assert active is True
