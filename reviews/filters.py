"""django-filter FilterSets, applied only inside queries.py. Never a speaker field."""

from __future__ import annotations

import django_filters

from cfp import models as cfp_models
from reviews import models


class QueueFilter(django_filters.FilterSet):
    track = django_filters.CharFilter(field_name="proposal__track__slug")
    format = django_filters.CharFilter(field_name="proposal__format__slug")
    language = django_filters.CharFilter(field_name="proposal__language")

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
