"""The current person as templates and access checks see them, and their speaker profile."""

from __future__ import annotations

from dataclasses import dataclass

from cfp import models
from cfp.queries.membership import CallRoleRef, roles_by_call


@dataclass(frozen=True, slots=True)
class Person:
    """The current person, as templates and access checks see them."""

    is_authenticated: bool
    id: int | None = None
    username: str = ""
    display_name: str = ""
    is_staff: bool = False
    calls: tuple[CallRoleRef, ...] = ()

    def roles_in(self, slug: str) -> frozenset[str]:
        for call in self.calls:
            if call.slug == slug:
                return call.roles
        return frozenset()

    @property
    def chairs(self) -> tuple[CallRoleRef, ...]:
        return tuple(c for c in self.calls if models.Role.CHAIR in c.roles)

    @property
    def reviews(self) -> tuple[CallRoleRef, ...]:
        return tuple(c for c in self.calls if models.Role.REVIEWER in c.roles)


ANONYMOUS = Person(is_authenticated=False)


def person(*, user_id: int | None, username: str, first_name: str, is_staff: bool) -> Person:
    if user_id is None:
        return ANONYMOUS
    return Person(
        is_authenticated=True,
        id=user_id,
        username=username,
        display_name=first_name or username,
        is_staff=is_staff,
        calls=roles_by_call(user_id=user_id),
    )


@dataclass(frozen=True, slots=True)
class SpeakerProfile:
    name: str
    email: str
    bio: str
    affiliation: str
    links: tuple[str, ...]
    region: str
    spoken_before: bool | None
    english_additional: bool | None
    wants_mentor: bool | None


def speaker_profile(*, user_id: int) -> SpeakerProfile | None:
    s = models.Speaker.objects.filter(user_id=user_id).first()
    if s is None:
        return None
    return SpeakerProfile(
        name=s.name,
        email=s.email,
        bio=s.bio,
        affiliation=s.affiliation,
        links=tuple(s.links or ()),
        region=s.region,
        spoken_before=s.spoken_before,
        english_additional=s.english_additional,
        wants_mentor=s.wants_mentor,
    )
