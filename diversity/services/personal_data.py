"""The diversity app's part of a person's data: consent and self-identification answers, which go
at once when the person deletes their account (registered from ``DiversityConfig.ready``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cfp.services import personal_data
from diversity import models
from diversity.services import answers


def export(user_id: int) -> dict[str, Any]:
    consent = models.Consent.objects.filter(user_id=user_id).first()
    return {
        "consent": None
        if consent is None
        else {
            "version": consent.version,
            "given_at": consent.given_at.isoformat(),
            "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        },
        "self_identification": [
            {
                "question": a.key,
                "value": a.value,
                "text": a.text,
                "answered_at": a.answered_at.isoformat(),
            }
            for a in models.Answer.objects.filter(user_id=user_id).order_by("key")
        ],
    }


def erase(user_id: int, now: dt.datetime) -> dict[str, int]:
    """The answers go at once, the way a withdrawal of consent takes them out (the person's
    pseudonymous keys in stored report bases and release records are re-keyed, so nothing
    stored leads back to them); then the consent record itself goes."""
    dropped = answers.withdraw_consent(user_id=user_id, now=now)
    return {
        "self_id_answers_dropped": dropped,
        "consent_dropped": models.Consent.objects.filter(user_id=user_id).delete()[0],
    }


def purge_call(call_id: int, now: dt.datetime) -> dict[str, int]:
    return {
        "call_self_id_answers_dropped": models.Answer.objects.filter(
            question__call_id=call_id
        ).delete()[0]
    }


PART = personal_data.Part(name="diversity", export=export, erase=erase, purge_call=purge_call)
