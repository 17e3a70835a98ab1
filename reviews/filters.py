"""django-filter FilterSets, applied only inside ``reviews.queries``. Never a speaker field."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from cfp import models as cfp_models
from cfp.domain import confirmation
from reviews import models
from reviews.domain import shortlist as rules


class _StableOrdering(django_filters.OrderingFilter):
    """Orders by the chosen column, then by the reviewer's shuffle (``r_order``) and code, so
    ties never reshuffle and never fall into submission order."""

    def filter(self, qs: Any, value: Any) -> Any:
        if not value:
            return qs
        chosen = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*chosen, "r_order", "proposal__code")


# The queue's orderings: public name -> column. No speaker field may ever appear here, and no
# submission time either: "oldest first" showed which proposals arrived one after another,
# mostly one person's several proposals, side by side.
QUEUE_ORDERINGS = (
    ("r_title", "title"),
    ("proposal__format__name", "format"),
    ("proposal__track__name", "track"),
    ("proposal__language", "language"),
)


class QueueFilter(django_filters.FilterSet):
    """Filters over the reviewer's assignments; the queryset must annotate ``r_title`` and
    alias ``r_order`` (``queries.queue.order_key_column``)."""

    track = django_filters.CharFilter(field_name="proposal__track__slug")
    format = django_filters.CharFilter(field_name="proposal__format__slug")
    language = django_filters.CharFilter(field_name="proposal__language")
    ordering = _StableOrdering(fields=QUEUE_ORDERINGS)

    class Meta:
        model = models.Assignment
        fields: list[str] = []


# --- the chair's ranking and shortlist --------------------------------------------------------

# Filters on programme attributes (rules.PROGRAMME_FILTERS) read speaker rows: the shortlist
# query drops them where the blindness policy hides programme attributes from a chair.


def _any_speaker(**speaker: object) -> Exists:
    return Exists(
        cfp_models.ProposalSpeaker.objects.filter(
            proposal_id=OuterRef("pk"), **{f"speaker__{k}": v for k, v in speaker.items()}
        )
    )


class ShortlistFilter(django_filters.FilterSet):
    """Filters over ``queries.shortlist.shortlist_queryset`` (which annotates ``sc``, ``d_status``).

    Values arrive already parsed by ``forms.ShortlistForm``.
    """

    track = django_filters.CharFilter(field_name="track__slug")
    format = django_filters.CharFilter(field_name="format__slug")
    language = django_filters.CharFilter(field_name="language")
    level = django_filters.CharFilter(field_name="level")
    decision = django_filters.CharFilter(method="filter_decision")
    flag = django_filters.CharFilter(method="filter_flag")
    confirmation = django_filters.CharFilter(method="filter_confirmation")
    score_min = django_filters.NumberFilter(field_name="sc__calibrated", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="sc__calibrated", lookup_expr="lte")
    first_time = django_filters.BooleanFilter(method="filter_first_time")
    wants_mentor = django_filters.BooleanFilter(method="filter_wants_mentor")
    english_additional = django_filters.BooleanFilter(method="filter_english_additional")
    # Issue 21: one of the call's tags, by id (chairs see every tag).
    tag = django_filters.NumberFilter(method="filter_tag")

    class Meta:
        model = cfp_models.Proposal
        fields: list[str] = []

    def filter_tag(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: float
    ) -> QuerySet[cfp_models.Proposal]:
        tag_id = int(value)
        return qs.filter(
            Exists(models.ProposalTag.objects.filter(proposal_id=OuterRef("pk"), tag_id=tag_id))
        )

    def filter_decision(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: str
    ) -> QuerySet[cfp_models.Proposal]:
        if value == models.DecisionStatus.UNDECIDED:
            return qs.filter(Q(decision__isnull=True) | Q(decision__status=value))
        return qs.filter(decision__status=value)

    def filter_confirmation(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: str
    ) -> QuerySet[cfp_models.Proposal]:
        """The speakers' answer to an acceptance (cfp.domain.confirmation.state)."""
        if value == confirmation.AWAITING:
            return qs.filter(
                published_decision=confirmation.ACCEPTED,
                decision_sent_at__isnull=False,
                confirmation="",
            )
        return qs.filter(confirmation=value)

    def filter_flag(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: str
    ) -> QuerySet[cfp_models.Proposal]:
        if value == rules.NEAR_CUT:
            # ``sc`` is the score of the current snapshot (a FilteredRelation of the queryset).
            return qs.filter(
                **{
                    "sc__p_in_slots__gte": rules.NEAR_CUT_LOW,
                    "sc__p_in_slots__lte": rules.NEAR_CUT_HIGH,
                }
            )
        if value not in rules.STORED_FLAGS:
            return qs.none()
        # The flags are a JSON list of fixed words; matching the quoted word works on every
        # backend (SQLite has no JSON "contains").
        return qs.filter(**{"sc__flags__icontains": f'"{value}"'})

    def filter_first_time(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: bool | None
    ) -> QuerySet[cfp_models.Proposal]:
        return self._speaker(qs, value, spoken_before=False)

    def filter_wants_mentor(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: bool | None
    ) -> QuerySet[cfp_models.Proposal]:
        return self._speaker(qs, value, wants_mentor=True)

    def filter_english_additional(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: bool | None
    ) -> QuerySet[cfp_models.Proposal]:
        return self._speaker(qs, value, english_additional=True)

    @staticmethod
    def _speaker(
        qs: QuerySet[cfp_models.Proposal], value: bool | None, **speaker: object
    ) -> QuerySet[cfp_models.Proposal]:
        if value is None:
            return qs
        found = _any_speaker(**speaker)
        return qs.filter(found if value else ~found)


# --- the bidding screen -----------------------------------------------------------------------


class BidFilter(django_filters.FilterSet):
    """Filters over ``queries.bids`` (which annotates ``r_title``, ``r_abstract`` with the
    reviewer's text and ``my_bid``): words to find, a track, the reviewer's own bid level."""

    search = django_filters.CharFilter(method="filter_search")
    track = django_filters.CharFilter(field_name="track__slug")
    bid = django_filters.CharFilter(method="filter_bid")

    class Meta:
        model = cfp_models.Proposal
        fields: list[str] = []

    def filter_search(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: str
    ) -> QuerySet[cfp_models.Proposal]:
        # Every word must appear in the title or the abstract the reviewer reads.
        for word in value.split()[:8]:
            qs = qs.filter(Q(r_title__icontains=word) | Q(r_abstract__icontains=word))
        return qs

    def filter_bid(
        self, qs: QuerySet[cfp_models.Proposal], name: str, value: str
    ) -> QuerySet[cfp_models.Proposal]:
        # ``my_bid`` is the query's annotation; the stubs check only model fields outside Q().
        if value == "none":
            return qs.filter(Q(my_bid__isnull=True))
        if value in models.BidLevel.values:
            return qs.filter(Q(my_bid=value))
        return qs
