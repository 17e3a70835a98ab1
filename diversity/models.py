"""Self-identification lives here, in its own tables, apart from review data.

Four kinds of rows, kept apart on purpose:

* ``Consent`` and ``Answer``: a person's own data. Answers exist only while the person's consent
  is on record; withdrawing deletes them. Nothing but the person's own page reads them one by
  one; reports read them only to count.
* ``Question``: the questions a chair adds to one call (the default questions live in code
  below, so every installation has them without a data migration).
* ``ReportSnapshot``: published report figures, aggregates only, never a person.
* ``ReleaseRecord``: every published version of every report's self-identification tables, with
  what its viewers know anyway (pseudonymous person keys, their stages, answer epoch tokens), for
  the release audit (``diversity.domain.disclosure``). No answer; never shown or exported.
* ``SnapshotBasis``: what the next snapshot must stay consistent with (the domain's
  ``funnel.PublishedReport``): pseudonymous unit keys, their funnel stages and who answered which
  question. It holds no answer, but it is still about people, so it is never shown, exported or
  registered in the admin, and only the newest per call and report kind is kept.

No business logic and no default ordering here: ``services`` writes, ``queries`` reads and orders
explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cfp.models import Call
from diversity.domain import funnel

# --- the consent text ----------------------------------------------------------------------

CONSENT_VERSION = 1
"""Bump when the wording's meaning changes: people then agree again before changing answers."""

CONSENT_TEXTS: dict[int, Promise] = {
    1: _(
        "I agree that this site stores my answers to these self-identification questions, so "
        "that the organisers can see how diverse the people who submit, speak and review are. "
        "My answers are never shown to anyone else one by one: not to reviewers, not to chairs, "
        "not in exports. Chairs see only totals per group, and groups smaller than a safe size "
        "are hidden. Every question is optional. I can change my answers or withdraw this "
        "consent at any time on this page; withdrawing deletes my answers."
    ),
}

# --- the default questions -----------------------------------------------------------------

PREFER_NOT_TO_SAY = "prefer_not_to_say"
SELF_DESCRIBE = "self_describe"
YES = "yes"
NO = "no"
NOT_ANSWERED = funnel.NOT_ANSWERED


@dataclass(frozen=True, slots=True)
class OptionSpec:
    value: str
    label: str | Promise
    free_text: bool = False


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    key: str
    label: str | Promise
    options: tuple[OptionSpec, ...]


PREFER_NOT_TO_SAY_OPTION = OptionSpec(PREFER_NOT_TO_SAY, _("Prefer not to say"))

DEFAULT_QUESTIONS: tuple[QuestionSpec, ...] = (
    QuestionSpec(
        key="gender",
        label=_("Gender"),
        options=(
            OptionSpec("woman", _("Woman")),
            OptionSpec("man", _("Man")),
            OptionSpec("non_binary", _("Non-binary")),
            OptionSpec(SELF_DESCRIBE, _("I describe myself as…"), free_text=True),
            PREFER_NOT_TO_SAY_OPTION,
        ),
    ),
    QuestionSpec(
        key="underrepresented",
        label=_("Do you belong to a group under-represented in tech?"),
        options=(
            OptionSpec(YES, _("Yes")),
            OptionSpec(NO, _("No")),
            PREFER_NOT_TO_SAY_OPTION,
        ),
    ),
)


# --- tables --------------------------------------------------------------------------------


class Consent(models.Model):
    """A person's opt-in: which version of the consent text, when; and when they withdrew."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="consent_version")]


class Question(models.Model):
    """A question a chair adds to one call. ``options``: [{"value", "label", "free_text"}],
    "prefer not to say" always last. Its dimension key in reports is ``q<id>``."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=200)
    options = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.label


class Answer(models.Model):
    """One person's answer to one question. ``key`` is a default question's key or ``q<id>``.

    ``value_changed_at`` moves only when the chosen option changes (not the self-description):
    the next report must declare who changed their answer since the previous one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    value = models.CharField(max_length=60)
    text = models.CharField(max_length=200, blank=True)
    answered_at = models.DateTimeField()
    value_changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_answer_per_question"),
            models.CheckConstraint(condition=~Q(value=""), name="answer_has_a_value"),
        ]
        indexes = [models.Index(fields=["key", "value_changed_at"])]

    def __str__(self) -> str:
        # Never the value: admin pages (a user's delete confirmation) print related rows.
        return "self-identification answer"


class ReportSettings(models.Model):
    """Per call: the small-cell threshold k (10 by default, never below 5) and the last failure."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="+")
    k = models.PositiveSmallIntegerField(default=funnel.DEFAULT_K)
    updated_at = models.DateTimeField()
    error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=funnel.MIN_K), name="k_at_least_5")
        ]


class Target(models.Model):
    """A chair's target share of accepted units for one answer of one dimension."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=60)
    value = models.CharField(max_length=120)
    share = models.FloatField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "dimension", "value"], name="one_target"),
            models.CheckConstraint(
                condition=Q(share__gte=0.0, share__lte=1.0), name="target_is_a_share"
            ),
        ]


class ReportKind(models.TextChoices):
    SPEAKERS = "speakers", _("Speakers")
    COMMITTEE = "committee", _("Reviewer pool")


class ReportSnapshot(models.Model):
    """Published figures of one report: aggregates only, as the page and the command show them.

    ``rebuild_requested_at`` marks a snapshot that must be rebuilt (someone it counted withdrew
    consent, or a chair asked); ``basis_at`` is when the self-identification tables were last
    computed (earlier than ``computed_at`` while they are held).
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    computed_at = models.DateTimeField()
    basis_at = models.DateTimeField()
    k = models.PositiveSmallIntegerField()
    held = models.BooleanField(default=False)
    figures = models.JSONField(default=dict)
    rebuild_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="one_snapshot_per_report")
        ]


class SnapshotBasis(models.Model):
    """``funnel.PublishedReport.as_dict()`` of a snapshot, with pseudonymous unit keys.

    It describes the population at the snapshot's ``basis_at``: answers whose value changed after
    that are declared as changed to the next build.
    """

    snapshot = models.OneToOneField(ReportSnapshot, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)


class ReleaseRecord(models.Model):
    """One published version of one report's self-identification tables, as its viewers know it:
    ``disclosure.Release`` as JSON (``members``: person key -> stages; ``epochs``: question ->
    person key -> epoch token; ``tables``: question -> [[answer, stage, count or null]]).

    Every version is kept: the audit of the next release solves all of them together. Person
    keys are pseudonyms shared across calls; a withdrawal re-keys them (``services.answers``).
    Holds no answer, but it is about people: never shown, exported or registered in the admin.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    published_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["call", "published_at"])]
