"""Small builders for test data. Each returns what the test needs to act on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from cfp import models as cfp_models
from cfp import services as cfp_services
from reviews import models as review_models

PASSWORD = "correct-horse-battery-staple"


def user(username: str, **extra: Any) -> Any:
    return get_user_model().objects.create_user(
        username=username,
        email=extra.pop("email", f"{username}@example.org"),
        password=PASSWORD,
        first_name=extra.pop("first_name", username.title()),
        **extra,
    )


def call(
    slug: str = "pycon",
    *,
    now: dt.datetime | None = None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    slots: int = 2,
) -> cfp_models.Call:
    now = now or timezone.now()
    c = cfp_models.Call.objects.create(
        slug=slug,
        name=f"{slug.title()} 2027",
        description="A *friendly* call.",
        opens_at=opens_at or now - dt.timedelta(days=10),
        closes_at=closes_at or now + dt.timedelta(days=10),
        languages=["en", "es"],
        reviews_per_proposal=2,
    )
    cfp_models.Format.objects.create(
        call=c, slug="talk", name="Talk", duration_minutes=30, slots=slots
    )
    cfp_models.Track.objects.create(call=c, slug="web", name="Web")
    cfp_models.Track.objects.create(call=c, slug="data", name="Data")
    cfp_models.Criterion.objects.create(
        call=c, slug="relevance", name="Relevance", weight=2, position=0
    )
    cfp_models.Criterion.objects.create(
        call=c, slug="clarity", name="Clarity", weight=1, position=1
    )
    return c


def member(c: cfp_models.Call, u: Any, role: str) -> None:
    cfp_models.Membership.objects.create(call=c, user=u, role=role)


def proposal(
    c: cfp_models.Call,
    owner: Any,
    *,
    title: str = "Making Django fast",
    abstract: str = "How we cut page times in half.",
    speaker_name: str | None = None,
    speaker_email: str | None = None,
    track: str = "web",
    language: str = "en",
    token: str | None = None,
    draft: bool = False,
) -> cfp_models.Proposal:
    if speaker_name or speaker_email:
        cfp_models.Speaker.objects.update_or_create(
            user=owner,
            defaults={
                "name": speaker_name or owner.first_name,
                "email": speaker_email or owner.email,
            },
        )
    code = cfp_services.submit_proposal(
        call_slug=c.slug,
        owner=owner,
        data=cfp_services.ProposalData(
            title=title, abstract=abstract, format_slug="talk", track_slug=track, language=language
        ),
        token=token or f"t-{owner.pk}-{title}-{cfp_models.Proposal.objects.count()}",
        now=timezone.now(),
        draft=draft,
    )
    return cfp_models.Proposal.objects.get(code=code)


def assign(p: cfp_models.Proposal, reviewer: Any) -> None:
    review_models.Assignment.objects.create(
        proposal=p, reviewer=reviewer, created_at=timezone.now()
    )


@dataclass
class World:
    """One call with a person in every role the access table knows."""

    call: cfp_models.Call
    other_call: cfp_models.Call
    proposal: cfp_models.Proposal
    users: dict[str, Any]


def world() -> World:
    c = call("pycon")
    other = call("djangocon")
    users = {
        "submitter": user("sam", first_name="Samira Quell"),
        "other_submitter": user("otto"),
        "reviewer": user("rita"),
        "chair": user("chad"),
        "other_chair": user("olga"),
        "staff": user("stella", is_staff=True, is_superuser=True),
    }
    member(c, users["reviewer"], "reviewer")
    member(c, users["chair"], "chair")
    member(other, users["other_chair"], "chair")
    p = proposal(c, users["submitter"])
    proposal(c, users["other_submitter"], title="Other talk")
    assign(p, users["reviewer"])
    return World(call=c, other_call=other, proposal=p, users=users)
