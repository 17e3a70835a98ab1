"""A call ready for curation: proposals with a snapshot rank, a chair, optional reviews.

Shared by the tests/test_curation_*.py modules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from tests import factories


@dataclass
class Curation:
    call: cfp_models.Call
    chair: Any
    client: Client
    proposals: list[cfp_models.Proposal]  # best-ranked first
    run: models.AggregationRun

    def url(self, name: str, code: str | None = None) -> str:
        kwargs = {"slug": self.call.slug}
        if code is not None:
            kwargs["code"] = code
        return reverse(f"curation:{name}", kwargs=kwargs)

    def decide(
        self,
        p: cfp_models.Proposal,
        status: str,
        *,
        version: int | None = None,
        client: Client | None = None,
        htmx: bool = False,
        **extra: str,
    ) -> Any:
        if version is None:
            version = (
                models.Decision.objects.filter(proposal=p).values_list("version", flat=True).first()
                or 0
            )
        data = {"status": status, "version": str(version), **extra}
        return (client or self.client).post(
            self.url("decide", p.code), data, headers={"HX-Request": "true"} if htmx else {}
        )

    def reveal(self) -> None:
        self.call.identities_revealed_at = timezone.now()
        self.call.save(update_fields=["identities_revealed_at"])


def speaker_name(i: int) -> str:
    return f"Ottoline Speakerton{i}"


def curation(
    n: int = 3,
    *,
    slots: int = 2,
    revealed: bool = False,
    ranked: bool = True,
    slug: str = "pycon",
) -> Curation:
    now = timezone.now()
    c = factories.call(slug, slots=slots)
    chair = factories.user(f"chair-{slug}", first_name="Charlotte Chair")
    factories.member(c, chair, "chair")
    proposals = []
    for i in range(n):
        owner = factories.user(
            f"{slug}-speaker{i}", first_name=speaker_name(i), email=f"speaker{i}@{slug}.example"
        )
        proposals.append(
            factories.proposal(
                c,
                owner,
                title=f"Talk number {i + 1}",
                abstract=f"I am {speaker_name(i)} and this is my talk.",
                speaker_name=speaker_name(i),
                speaker_email=f"speaker{i}@{slug}.example",
            )
        )
    run = models.AggregationRun.objects.create(
        call=c,
        state=models.RunState.DONE,
        requested_at=now - dt.timedelta(minutes=1),
        finished_at=now,
        inputs_until=now,
    )
    if ranked:
        models.ProposalScore.objects.bulk_create(
            models.ProposalScore(
                run=run,
                proposal=p,
                review_count=2,
                mean=8.0 - i,
                median=8.0 - i,
                calibrated=8.0 - i,
                low=7.0 - i,
                high=9.0 - i,
                rank=i + 1,
                p_in_slots=0.9 - i / 10,
                flags=[],
            )
            for i, p in enumerate(proposals)
        )
    if revealed:
        c.identities_revealed_at = now
        c.save(update_fields=["identities_revealed_at"])
    client = Client()
    client.force_login(chair)
    return Curation(call=c, chair=chair, client=client, proposals=proposals, run=run)


def review(
    p: cfp_models.Proposal,
    reviewer: Any,
    *,
    feedback: str = "",
    comment: str = "",
    abstained: bool = False,
) -> models.Review:
    now = timezone.now()
    return models.Review.objects.create(
        proposal=p,
        reviewer=reviewer,
        call=p.call,
        scores={} if abstained else {"relevance": 4, "clarity": 3},
        score=None if abstained else 7.5,
        confidence=None if abstained else 4,
        comment=comment,
        feedback=feedback,
        abstained=abstained,
        abstain_reason="I know the speaker" if abstained else "",
        created_at=now,
        updated_at=now,
    )
