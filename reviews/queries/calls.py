"""The call a management command names by its slug (archived calls included)."""

from __future__ import annotations

from cfp import models as cfp_models


def call_id_for_slug(*, slug: str) -> int | None:
    return cfp_models.Call.objects.filter(slug=slug).values_list("pk", flat=True).first()
