"""The person's own self-identification page: the only read that returns one person's answers,
and only to that person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.views.decorators.debug import sensitive_variables

from diversity import models
from diversity.queries import questions
from diversity.queries.questions import QuestionRow


@dataclass(frozen=True, slots=True)
class ConsentState:
    version: int
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def current(self) -> bool:
        """Agreed to the wording shown today, and not withdrawn."""
        return self.active and self.version == models.CONSENT_VERSION


@dataclass(frozen=True, slots=True)
class MyAnswer:
    key: str
    value: str
    text: str


@dataclass(frozen=True, slots=True)
class SelfIdPage:
    consent: ConsentState | None
    questions: tuple[QuestionRow, ...]
    answers: dict[str, MyAnswer] = field(default_factory=dict)
    consent_version: int = models.CONSENT_VERSION
    consent_text: str = ""

    @property
    def needs_consent(self) -> bool:
        return self.consent is None or not self.consent.current


def consent_state(*, user_id: int) -> ConsentState | None:
    c = models.Consent.objects.filter(user_id=user_id).first()
    if c is None:
        return None
    return ConsentState(version=c.version, given_at=c.given_at, withdrawn_at=c.withdrawn_at)


@sensitive_variables()
def my_answers(*, user_id: int) -> dict[str, MyAnswer]:
    """This person's stored answers: for their own page and nothing else."""
    return {
        key: MyAnswer(key=key, value=value, text=text)
        for key, value, text in models.Answer.objects.filter(user_id=user_id).values_list(
            "key", "value", "text"
        )
    }


def self_id_page(*, user_id: int) -> SelfIdPage:
    return SelfIdPage(
        consent=consent_state(user_id=user_id),
        questions=questions.questions_for_person(user_id=user_id),
        answers=my_answers(user_id=user_id),
        consent_text=str(models.CONSENT_TEXTS[models.CONSENT_VERSION]),
    )
