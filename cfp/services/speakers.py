"""A person's speaker profile: what they tell the call about themselves, shared by their proposals.

Name, affiliation and links are what the leak scanner looks for, so saving them redacts every
proposal of the speaker again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from cfp import models
from cfp.services import texts


@dataclass(frozen=True, slots=True)
class ProfileData:
    name: str
    bio: str = ""
    affiliation: str = ""
    links: tuple[str, ...] = ()
    region: str = ""
    spoken_before: bool | None = None
    english_additional: bool | None = None
    wants_mentor: bool | None = None


def profile_or_new(user: AbstractBaseUser) -> models.Speaker:
    """The user's speaker profile; unsaved (``pk`` None) when they have none yet."""
    speaker = models.Speaker.objects.filter(user_id=user.pk).first()
    if speaker is None:
        speaker = models.Speaker(
            user_id=user.pk,
            name=getattr(user, "first_name", "") or user.get_username(),
            email=getattr(user, "email", "") or "",
        )
    return speaker


def speaker_for_user(user: AbstractBaseUser) -> models.Speaker:
    """The user's speaker profile, created from their account when they have none yet."""
    speaker = profile_or_new(user)
    if speaker.pk is None:
        speaker.save(force_insert=True)
    return speaker


@transaction.atomic
def save_speaker_profile(*, user: AbstractBaseUser, data: ProfileData) -> None:
    speaker = speaker_for_user(user)
    for name in ProfileData.__dataclass_fields__:
        value = getattr(data, name)
        setattr(speaker, name, list(value) if name == "links" else value)
    speaker.save()
    # A changed name or affiliation changes what must be redacted.
    proposals = models.Proposal.objects.filter(speaker_links__speaker=speaker).order_by("pk")
    texts.store_texts(proposals=list(proposals))
