"""cfp.queries.membership: the one read of role memberships and of a call's blindness phase."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cfp import models
from cfp.domain.visibility import Part, Phase, Shown, Viewer
from cfp.queries import membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def call() -> models.Call:
    return factories.call("pycon")


@pytest.fixture
def chad(call: models.Call) -> Any:
    u = factories.user("chad")
    factories.member(call, u, "chair")
    return u


@pytest.fixture
def rita(call: models.Call) -> Any:
    u = factories.user("rita")
    factories.member(call, u, "reviewer")
    return u


def _set(call: models.Call, *, blind: bool, revealed: bool) -> None:
    models.Call.objects.filter(pk=call.pk).update(
        chairs_blind=blind, identities_revealed_at=timezone.now() if revealed else None
    )


@pytest.mark.parametrize(
    ("blind", "revealed"), [(True, False), (True, True), (False, False), (False, True)]
)
def test_call_phase_reads_the_same_phase_by_id_and_by_slug(
    call: models.Call, blind: bool, revealed: bool
) -> None:
    _set(call, blind=blind, revealed=revealed)

    expected = Phase(chairs_blind=blind, identities_revealed=revealed)
    assert membership.call_phase(call_id=call.pk) == expected
    assert membership.call_phase(slug="pycon") == expected


def test_call_phase_of_a_call_that_does_not_exist_is_none() -> None:
    assert membership.call_phase(slug="nope") is None
    assert membership.call_phase(call_id=999_999) is None


@pytest.mark.parametrize("kwargs", [{}, {"call_id": 1, "slug": "pycon"}])
def test_call_phase_takes_exactly_one_of_id_and_slug(kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        membership.call_phase(**kwargs)


def test_a_blind_chair_gets_redacted_content_and_no_identity(call: models.Call, chad: Any) -> None:
    member = membership.call_membership(user_id=chad.pk, slug="pycon", role="chair")

    assert member is not None
    assert member.viewer is Viewer.CHAIR
    assert member.shown(Part.CONTENT) is Shown.REDACTED
    assert not member.sees(Part.SPEAKER_IDENTITY)
    assert not member.sees(Part.FINDING_TEXT)
    assert member.pick(Part.CONTENT, raw="Ada's talk", redacted="[name]'s talk") == (
        "[name]'s talk"
    )


def test_once_identities_are_revealed_the_chair_reads_the_raw_text(
    call: models.Call, chad: Any
) -> None:
    _set(call, blind=True, revealed=True)

    member = membership.call_membership(user_id=chad.pk, slug="pycon", role="chair")

    assert member is not None
    assert member.sees(Part.SPEAKER_IDENTITY)
    assert member.pick(Part.CONTENT, raw="Ada's talk", redacted="[name]'s talk") == "Ada's talk"


def test_a_reviewer_never_sees_identities_even_once_chairs_do(call: models.Call, rita: Any) -> None:
    _set(call, blind=False, revealed=True)

    member = membership.call_membership(user_id=rita.pk, slug="pycon", role="reviewer")

    assert member is not None
    assert member.viewer is Viewer.REVIEWER
    assert not member.sees(Part.SPEAKER_IDENTITY)
    assert member.shown(Part.CONTENT) is Shown.REDACTED


@pytest.mark.parametrize(
    ("username", "role"), [("chad", "reviewer"), ("rita", "chair"), ("olga", "chair")]
)
def test_no_membership_without_that_role_in_that_call(
    call: models.Call, chad: Any, rita: Any, username: str, role: str
) -> None:
    olga = factories.user("olga")
    factories.member(factories.call("djangocon"), olga, "chair")
    people = {"chad": chad, "rita": rita, "olga": olga}

    assert membership.call_membership(user_id=people[username].pk, slug="pycon", role=role) is None


def test_an_archived_call_has_no_members_to_guard(call: models.Call, chad: Any) -> None:
    models.Call.objects.filter(pk=call.pk).update(archived_at=timezone.now())

    assert membership.call_membership(user_id=chad.pk, slug="pycon", role="chair") is None
    assert membership.roles_by_call(user_id=chad.pk) == ()


def test_member_user_ids_lists_the_holders_of_one_role_in_one_call(
    call: models.Call, chad: Any, rita: Any
) -> None:
    other = factories.call("djangocon")
    factories.member(other, factories.user("olga"), "reviewer")

    reviewers = membership.member_user_ids(call_id=call.pk, role="reviewer")

    assert list(reviewers) == [rita.pk]


def test_members_filters_by_outer_references_inside_a_subquery(
    call: models.Call, chad: Any, rita: Any
) -> None:
    from django.contrib.auth import get_user_model

    is_chair = membership.members(role="chair", call_id=call.pk, user_id=OuterRef("pk"))
    chairs = (
        get_user_model()
        .objects.annotate(chairs=Exists(is_chair))
        .filter(chairs=True)
        .values_list("username", flat=True)
    )

    assert list(chairs) == ["chad"]


def test_roles_by_call_groups_a_persons_roles_per_call(call: models.Call, chad: Any) -> None:
    factories.member(call, chad, "reviewer")

    (ref,) = membership.roles_by_call(user_id=chad.pk)

    assert (ref.slug, ref.roles) == ("pycon", frozenset({"chair", "reviewer"}))
