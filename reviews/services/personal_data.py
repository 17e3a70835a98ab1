"""The reviews app's part of a person's data (registered in cfp's personal-data registry from
``ReviewsConfig.ready``; cfp cannot import this app)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cfp.services import personal_data
from reviews import models


def export(user_id: int) -> dict[str, Any]:
    reviews = (
        models.Review.objects.filter(reviewer_id=user_id)
        .select_related("call", "proposal")
        .order_by("created_at", "pk")
    )
    return {
        "reviews_written": [
            {
                "call": r.call.name,
                "proposal": r.proposal.code,
                "scores": r.scores,
                "score": r.score,
                "confidence": r.confidence,
                "comment": r.comment,
                "feedback": r.feedback,
                "abstained": r.abstained,
                "abstain_reason": r.abstain_reason,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in reviews
        ],
        "bids": [
            {"call": b.call.name, "proposal": b.proposal.code, "level": b.level}
            for b in models.Bid.objects.filter(reviewer_id=user_id)
            .select_related("call", "proposal")
            .order_by("pk")
        ],
        "expertise": [
            {"call": e.call.name, "topics": e.topics, "statement": e.statement}
            for e in models.ReviewerExpertise.objects.filter(reviewer_id=user_id)
            .select_related("call")
            .order_by("pk")
        ],
        "reviewer_preferences": [
            {
                "call": s.call.name,
                "languages": s.languages,
                "tracks": s.tracks,
                "max_load": s.max_load,
            }
            for s in models.ReviewerSettings.objects.filter(user_id=user_id).select_related("call")
        ],
    }


def erase(user_id: int, now: dt.datetime) -> dict[str, int]:
    """Reviews stay, for the aggregates, attached to the anonymised placeholder account; the
    reviewer's preferences, bids and expertise go, and the invitations addressed to them lose
    the address. Conflicts of interest and assignments stay with the placeholder (they explain
    who reviewed what)."""
    from django.contrib.auth import get_user_model

    email = get_user_model().objects.filter(pk=user_id).values_list("email", flat=True).first()
    return {
        "reviewer_preferences_dropped": models.ReviewerSettings.objects.filter(
            user_id=user_id
        ).delete()[0],
        "bids_dropped": models.Bid.objects.filter(reviewer_id=user_id).delete()[0],
        "expertise_dropped": models.ReviewerExpertise.objects.filter(reviewer_id=user_id).delete()[
            0
        ],
        "reviewer_invitations_anonymised": models.Invitation.objects.filter(
            email__iexact=email or "-"
        ).update(email=personal_data.placeholder_email(user_id)),
        "reviews_kept_anonymised": models.Review.objects.filter(reviewer_id=user_id).count(),
    }


def purge_call(call_id: int, now: dt.datetime) -> dict[str, int]:
    return {
        "reviewer_invitations_dropped": models.Invitation.objects.filter(call_id=call_id).delete()[
            0
        ]
    }


PART = personal_data.Part(name="reviews", export=export, erase=erase, purge_call=purge_call)
