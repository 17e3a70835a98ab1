"""The test-time guard of STYLE.md's first rule.

Every template rendered during a test is checked: its context must hold no model instance,
QuerySet or Manager (walking lists, tuples, sets, dicts and dataclasses), and no query may run
while it renders. Django's admin templates are exempt: the admin is internal.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db.models import Manager, Model, QuerySet
from django.template import Context
from django.template.base import Template
from django.utils.functional import LazyObject, empty
from zen_queries import queries_disabled

EXEMPT_PREFIXES = ("admin/", "django/forms/", "registration/password_reset_email")


class TemplateGuardError(AssertionError):
    pass


def find_orm(value: Any, path: str, seen: set[int] | None = None) -> str | None:
    """The path of the first ORM object inside ``value``, or None."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return None
    if isinstance(value, LazyObject):
        wrapped = value._wrapped  # type: ignore[attr-defined]
        return None if wrapped is empty else find_orm(wrapped, path, seen)
    if isinstance(value, Model | QuerySet | Manager):
        return path
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return None
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            found = find_orm(item, f"{path}[{key!r}]", seen)
            if found:
                return found
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            found = find_orm(item, f"{path}[{index}]", seen)
            if found:
                return found
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            found = find_orm(getattr(value, field.name), f"{path}.{field.name}", seen)
            if found:
                return found
    return None


def check_context(name: str, context: Context) -> None:
    for layer in context.dicts:
        for key, value in layer.items():
            found = find_orm(value, str(key))
            if found:
                raise TemplateGuardError(
                    f"template {name!r} received an ORM object at {found}: hand templates frozen "
                    f"dataclasses or plain values (STYLE.md)"
                )


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Template._render  # type: ignore[attr-defined]

    def guarded(self: Template, context: Context) -> Any:
        name = getattr(self.origin, "template_name", None) or getattr(self, "name", "") or ""
        name = str(name)
        if name.startswith(EXEMPT_PREFIXES):
            return original(self, context)
        check_context(name, context)
        try:
            with queries_disabled():
                return original(self, context)
        except Exception as exc:
            if type(exc).__name__ == "QueriesDisabledError":
                raise TemplateGuardError(
                    f"template {name!r} ran a database query while rendering: {exc}"
                ) from exc
            raise

    monkeypatch.setattr(Template, "_render", guarded)
