"""What the API answers, as pydantic schemas: they are the served OpenAPI document's schemas.

Every list is a page: ``count`` (rows in all), ``limit``, ``offset``, and ``next`` / ``previous``
(the path and query of the neighbouring page, or null). docs/api.md describes each field.
"""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

Decision = Literal["accepted", "waitlisted", "rejected", "undecided"]
ConfirmationState = Literal["confirmed", "declined", "pending"]
Level = Literal["beginner", "intermediate", "advanced"]


class Error(Schema):
    detail: str


class FieldError(Schema):
    type: str
    loc: list[str | int]
    msg: str


class ValidationErrors(Schema):
    detail: list[FieldError]


class Aggregate(Schema):
    """The proposal's numbers in the newest finished aggregation; nulls when not ranked."""

    rank: int | None = Field(description="1 = best; null when not ranked.")
    calibrated: float | None = Field(description="Calibrated score, 0 to 10.")
    interval_low: float | None
    interval_high: float | None
    mean: float | None
    median: float | None
    p_in_slots: float | None = Field(description="Chance to land in the slots, 0 to 1.")
    reviews: int = Field(ge=0)
    flags: list[str]


class Speaker(Schema):
    name: str
    email: str | None = Field(description="Null for an imported speaker without an address.")
    bio: str
    links: list[str]


class Proposal(Schema):
    code: str
    title: str = Field(description="The redacted title while the call's chairs are blind.")
    abstract: str
    description: str
    format: str
    duration: int = Field(description="Minutes, from the format.")
    track: str
    language: str
    level: Level
    decision: Decision
    confirmation: ConfirmationState | None = Field(
        description="The speakers' answer to an acceptance; pending while an accepted "
        "proposal has none; null otherwise."
    )
    aggregate: Aggregate
    tags: list[str] = Field(description="The chairs' tags on the proposal, by name.")
    speakers: list[Speaker] | None = Field(
        description="Null while the policy hides speaker identities from the token's chair."
    )


class Page(Schema):
    count: int = Field(ge=0, description="Rows in the whole list.")
    limit: int
    offset: int
    next: str | None = Field(description="Path and query of the next page; null on the last.")
    previous: str | None


class ProposalPage(Page):
    items: list[Proposal]


class ReviewerProgress(Schema):
    id: int = Field(description="The reviewer's account id.")
    name: str
    assigned: int
    done: int
    percent: int


class ReviewerPage(Page):
    items: list[ReviewerProgress]


class ExportRow(Schema):
    """One row of the JSON export (docs/export.schema.json): the same as the chair's download."""

    code: str
    title: str
    format: str
    track: str
    language: str
    level: Level
    decision: Decision
    rank: int | None
    calibrated: float | None
    interval_low: float | None
    interval_high: float | None
    p_in_slots: float | None
    reviews: int
    flags: str
    speaker_names: str | None = None
    speaker_emails: str | None = None
    first_time: bool | None = None
    duration: int
    confirmation: ConfirmationState | None
    abstract: str
    description: str
    tags: str
    speaker_bios: str | None = None
    speaker_links: str | None = None
