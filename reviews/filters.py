"""django-filter FilterSets, applied only inside queries.py. Never a speaker field."""

from __future__ import annotations

from typing import Any

import django_filters

from cfp import models as cfp_models
from reviews import models


class _StableOrdering(django_filters.OrderingFilter):
    """Orders by the chosen column, then by submission and code, so ties never reshuffle."""

    def filter(self, qs: Any, value: Any) -> Any:
        if not value:
            return qs
        chosen = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*chosen, "proposal__submitted_at", "proposal__code")


# The queue's orderings: public name -> column. No speaker field may ever appear here.
QUEUE_ORDERINGS = (
    ("r_title", "title"),
    ("proposal__format__name", "format"),
    ("proposal__track__name", "track"),
    ("proposal__language", "language"),
    ("proposal__submitted_at", "submitted"),
)


class QueueFilter(django_filters.FilterSet):
    """Filters over the reviewer's assignments; the queryset must annotate ``r_title``."""

    track = django_filters.CharFilter(field_name="proposal__track__slug")
    format = django_filters.CharFilter(field_name="proposal__format__slug")
    language = django_filters.CharFilter(field_name="proposal__language")
    ordering = _StableOrdering(fields=QUEUE_ORDERINGS)

    class Meta:
        model = models.Assignment
        fields: list[str] = []


class RankingFilter(django_filters.FilterSet):
    track = django_filters.CharFilter(field_name="track__slug")
    format = django_filters.CharFilter(field_name="format__slug")
    language = django_filters.CharFilter(field_name="language")
    level = django_filters.CharFilter(field_name="level")

    class Meta:
        model = cfp_models.Proposal
        fields: list[str] = []
