"""Text search over proposals (issue 21): the words a member may read, and nothing else.

Reviewers, and chairs while they are blind, search the *redacted* title and abstract: a speaker's
name was removed from that text, so searching for it finds exactly what searching for a string
that appears nowhere finds (no oracle; ``tests/test_search.py`` checks it over generated names).
Chairs who know the identities (``visibility.searches_identities``) search the text as written
and the speakers' names too.

On PostgreSQL the redacted search is full-text (``to_tsvector('simple', …) @@ plainto_tsquery``)
over the expression the GIN index of migration ``reviews.0011_committee`` covers; elsewhere every
word must appear (``icontains``) in the same two texts.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform

from cfp import models as cfp_models
from cfp.domain import visibility
from cfp.domain.visibility import Phase, Viewer

MAX_WORDS = 8
MAX_LENGTH = 200

# The indexed expression, written exactly as in the migration so PostgreSQL uses the index.
_FTS = (
    "to_tsvector('simple', coalesce(\"cfp_proposal\".\"redacted\"->>'title', '') || ' ' || "
    "coalesce(\"cfp_proposal\".\"redacted\"->>'abstract', '')) @@ plainto_tsquery('simple', %s)"
)


def words_of(text: str) -> list[str]:
    """The words searched for: at most ``MAX_WORDS``, each at most 60 characters."""
    return [w[:60] for w in text[:MAX_LENGTH].split()[:MAX_WORDS]]


def _redacted(qs: QuerySet[cfp_models.Proposal], words: list[str]) -> QuerySet[cfp_models.Proposal]:
    if connection.vendor == "postgresql":
        # The SQL is a constant; the words travel as a bound parameter.
        match = RawSQL(  # noqa: S611  # nosec B611
            _FTS, [" ".join(words)], output_field=BooleanField()
        )
        return qs.alias(text_match=match).filter(text_match=True)
    title = KeyTextTransform("title", "redacted")
    abstract = KeyTextTransform("abstract", "redacted")
    qs = qs.alias(s_title=title, s_abstract=abstract)
    for word in words:
        qs = qs.filter(Q(s_title__icontains=word) | Q(s_abstract__icontains=word))
    return qs


def _with_identities(
    qs: QuerySet[cfp_models.Proposal], words: list[str]
) -> QuerySet[cfp_models.Proposal]:
    for word in words:
        named = Exists(
            cfp_models.ProposalSpeaker.objects.filter(
                proposal_id=OuterRef("pk"), speaker__name__icontains=word
            )
        )
        qs = qs.filter(Q(title__icontains=word) | Q(abstract__icontains=word) | named)
    return qs


def matching(
    *, call_id: int, text: str, viewer: Viewer, phase: Phase
) -> QuerySet[cfp_models.Proposal, int] | None:
    """The ids of the call's proposals whose text (as this viewer may search it) holds every
    word; a subquery for ``filter(pk__in=…)``. None when there is nothing to search for."""
    words = words_of(text)
    if not words:
        return None
    qs: QuerySet[cfp_models.Proposal] = cfp_models.Proposal.objects.filter(call_id=call_id)
    if visibility.searches_identities(viewer=viewer, phase=phase):
        qs = _with_identities(qs, words)
    else:
        qs = _redacted(qs, words)
    return qs.values_list("pk", flat=True)
