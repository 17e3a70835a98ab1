"""Templates get ``person`` (a frozen dataclass), not Django's ``user`` and ``perms``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cfp.queries import people


def person(request: HttpRequest) -> dict[str, Any]:
    return {"person": getattr(request, "person", people.ANONYMOUS)}
