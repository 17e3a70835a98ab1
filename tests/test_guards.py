"""The template guard catches what STYLE.md forbids; these plant each violation on purpose."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.template import engines

from tests.guards import TemplateGuardError


def _render(source: str, context: dict[str, object]) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.django_db
def test_a_model_instance_in_the_context_fails_the_render() -> None:
    user = get_user_model().objects.create_user(username="x")

    with pytest.raises(TemplateGuardError, match="ORM object at user"):
        _render("{{ user.username }}", {"user": user})


@pytest.mark.django_db
def test_a_queryset_nested_in_a_list_of_dicts_fails_the_render() -> None:
    rows = [{"people": get_user_model().objects.all()}]

    with pytest.raises(TemplateGuardError, match=r"rows\[0\]\['people'\]"):
        _render("{{ rows }}", {"rows": rows})


@pytest.mark.django_db
def test_a_manager_inside_a_dataclass_fails_the_render() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Box:
        manager: object

    with pytest.raises(TemplateGuardError, match=r"box\.manager"):
        _render("{{ box }}", {"box": Box(manager=get_user_model().objects)})


@pytest.mark.django_db
def test_a_query_while_rendering_fails_the_render() -> None:
    class Sneaky:
        def __str__(self) -> str:
            return str(get_user_model().objects.count())

    with pytest.raises(TemplateGuardError, match="ran a database query"):
        _render("{{ sneaky }}", {"sneaky": Sneaky()})


def test_plain_values_and_dataclasses_render() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Row:
        title: str

    assert _render("{{ rows.0.title }}", {"rows": (Row(title="ok"),)}) == "ok"
