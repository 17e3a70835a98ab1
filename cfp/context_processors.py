"""Templates get ``person`` (a frozen dataclass), not Django's ``user`` and ``perms``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cfp import queries


def person(request: HttpRequest) -> dict[str, Any]:
    return {"person": getattr(request, "person", queries.ANONYMOUS)}
