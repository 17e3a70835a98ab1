"""What copying a call takes from the reviews app: its decision e-mail templates."""

from __future__ import annotations

from reviews import models


def template_count(*, call_id: int) -> int:
    return models.DecisionTemplate.objects.filter(call_id=call_id).count()
