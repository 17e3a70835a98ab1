"""The read side of self-identification and diversity reports. Returns frozen dataclasses.

Two kinds of reads, kept apart:

* the person's own page (``self_id_page``): the only read that returns one person's answers, and
  only to that person;
* reports: ``report_inputs`` counts, for the build service, and hands the domain layer units
  keyed by pseudonyms, never user ids; ``report_page`` and ``report_export`` read the published
  figures back (aggregates only).

cfp and reviews tables are read here directly (diversity sits above both apps); they never read
ours.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cfp import forms as cfp_forms
from cfp import models as cfp_models
from diversity import models
from diversity.domain import funnel
from reviews import models as review_models
from reviews import queries as review_queries

Stage = funnel.Stage

CHANGE_MARGIN = dt.timedelta(seconds=30)
"""An answer saved while a build read the answers may commit after the read with an earlier
timestamp; declaring answers changed a little before the basis time covers that race (declaring
one answer too many only makes the next release more cautious)."""

NEAR_CUT_P = (0.2, 0.8)
REGION_LIMIT = 12
OTHER_REGION = "other"


def _percent(share: float) -> str:
    """A share for people: whole percent, with one decimal below 10 % ("2.5 %")."""
    value = share * 100
    if 0 < value < 10 and round(value, 1) != round(value):
        return f"{value:.1f} %"
    return f"{round(value)} %"


# --- pseudonyms ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _pseudonym_key(secret: str) -> bytes:
    return hashlib.sha256(b"diversity-unit-keys:" + secret.encode()).digest()


def pseudonym(*, call_id: int, kind: str, ident: int) -> str:
    """The unit key stored in a snapshot basis: a keyed hash (BLAKE2b as a MAC), so a database
    reader cannot map it back to a speaker or membership without the secret key."""
    message = f"{call_id}:{kind}:{ident}".encode()
    return hashlib.blake2b(
        message, key=_pseudonym_key(settings.SECRET_KEY), digest_size=10
    ).hexdigest()


SPEAKER_UNIT = "s"
MEMBER_UNIT = "m"


@dataclass(frozen=True, slots=True)
class PersonUnit:
    """Where a person is counted: the call, the report kind and their pseudonymous key."""

    call_id: int
    kind: str
    key: str


def units_of_person(*, user_id: int) -> tuple[PersonUnit, ...]:
    """Every report unit a person is: a speaker in any call, a reviewer membership in any call."""
    units: set[PersonUnit] = set()
    speaker_calls = cfp_models.ProposalSpeaker.objects.filter(speaker__user_id=user_id).values_list(
        "speaker_id", "proposal__call_id"
    )
    for speaker_id, call_id in speaker_calls:
        units.add(
            PersonUnit(
                call_id=call_id,
                kind=models.ReportKind.SPEAKERS,
                key=pseudonym(call_id=call_id, kind=SPEAKER_UNIT, ident=speaker_id),
            )
        )
    memberships = cfp_models.Membership.objects.filter(
        user_id=user_id, role=cfp_models.Role.REVIEWER
    ).values_list("pk", "call_id")
    for membership_id, call_id in memberships:
        units.add(
            PersonUnit(
                call_id=call_id,
                kind=models.ReportKind.COMMITTEE,
                key=pseudonym(call_id=call_id, kind=MEMBER_UNIT, ident=membership_id),
            )
        )
    return tuple(sorted(units, key=lambda u: (u.call_id, u.kind, u.key)))


# --- questions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionRow:
    value: str
    label: str
    free_text: bool = False


@dataclass(frozen=True, slots=True)
class QuestionRow:
    key: str
    label: str
    options: tuple[OptionRow, ...]
    call_name: str = ""
    """The call that asks it; empty for the default questions every call asks."""
    question_id: int | None = None

    @property
    def has_free_text(self) -> bool:
        return any(o.free_text for o in self.options)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def label_of(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return value


def question_key(question_id: int) -> str:
    return f"q{question_id}"


def default_questions() -> tuple[QuestionRow, ...]:
    return tuple(
        QuestionRow(
            key=spec.key,
            label=str(spec.label),
            options=tuple(
                OptionRow(value=o.value, label=str(o.label), free_text=o.free_text)
                for o in spec.options
            ),
        )
        for spec in models.DEFAULT_QUESTIONS
    )


def _custom_row(q: models.Question, call_name: str) -> QuestionRow:
    return QuestionRow(
        key=question_key(q.pk),
        label=q.label,
        options=tuple(
            OptionRow(
                value=str(o["value"]), label=str(o["label"]), free_text=bool(o.get("free_text"))
            )
            for o in (q.options or [])
        ),
        call_name=call_name,
        question_id=q.pk,
    )


def call_questions(*, call_id: int) -> tuple[QuestionRow, ...]:
    """The chair-defined questions of one call (the defaults are not included)."""
    return tuple(
        _custom_row(q, "") for q in models.Question.objects.filter(call_id=call_id).order_by("id")
    )


def questions_for_person(*, user_id: int) -> tuple[QuestionRow, ...]:
    """Default questions, then the questions of the calls this person speaks at or reviews for,
    and any question they have answered (so they can always see and change what is stored)."""
    speaks = cfp_models.ProposalSpeaker.objects.filter(
        proposal__call_id=OuterRef("call_id"), speaker__user_id=user_id
    )
    owns = cfp_models.Proposal.objects.filter(call_id=OuterRef("call_id"), owner_id=user_id)
    reviews = cfp_models.Membership.objects.filter(
        call_id=OuterRef("call_id"), user_id=user_id, role=cfp_models.Role.REVIEWER
    )
    answered = models.Answer.objects.filter(question_id=OuterRef("pk"), user_id=user_id)
    rows = (
        models.Question.objects.filter(
            Q(call__archived_at__isnull=True) & (Exists(speaks) | Exists(owns) | Exists(reviews))
            | Exists(answered)
        )
        .select_related("call")
        .order_by("call__name", "call_id", "id")
    )
    return default_questions() + tuple(_custom_row(q, q.call.name) for q in rows)


# --- the person's own page -----------------------------------------------------------------


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
        questions=questions_for_person(user_id=user_id),
        answers=my_answers(user_id=user_id),
        consent_text=str(models.CONSENT_TEXTS[models.CONSENT_VERSION]),
    )


# --- report inputs (for the build service) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviousSnapshot:
    report: funnel.PublishedReport
    basis_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Everything a build needs, with people as pseudonymous units (no user id, no name)."""

    call_id: int
    slug: str
    k: int
    slots: int
    run_id: int | None
    programme: tuple[funnel.Dimension, ...]
    self_id: tuple[funnel.Dimension, ...]
    labels: dict[tuple[str, str], str]
    """(dimension, value) -> the label people read; ("", dimension) -> what a unit is."""
    pairs: tuple[funnel.Unit, ...]
    """Programme units: one per speaker of each proposal."""
    people: tuple[funnel.Unit, ...]
    """Self-identification units: one per speaker (a person), stages over their proposals."""
    reviewers: tuple[funnel.Unit, ...]
    targets: dict[tuple[str, str], float]
    previous: dict[str, PreviousSnapshot]
    changed: dict[str, dict[str, frozenset[str]]]
    """Per report kind, per question: the units whose answer changed since the previous basis."""


def _yes_no(value: bool | None) -> str:
    if value is None:
        return funnel.NOT_ANSWERED
    return models.YES if value else models.NO


def _programme_dimensions(
    *,
    languages: Iterable[str],
    tracks: Iterable[tuple[str, str]],
    regions: Mapping[str, str],
) -> tuple[tuple[funnel.Dimension, ...], dict[tuple[str, str], str]]:
    yes_no = (models.YES, models.NO)
    labels: dict[tuple[str, str], str] = {}
    dims = []
    for slug, label in (
        ("first_time", _("First-time speaker")),
        ("wants_mentor", _("Wants a mentor")),
        ("english_additional", _("English as an additional language")),
    ):
        dims.append(funnel.Dimension(slug=slug, label=label, values=yes_no, protected=False))
        labels[(slug, models.YES)] = _("Yes")
        labels[(slug, models.NO)] = _("No")
        labels[(slug, funnel.NOT_ANSWERED)] = _("Not known")
    dims.append(
        funnel.Dimension(slug="region", label=_("Region"), values=tuple(regions), protected=False)
    )
    labels.update({("region", v): label for v, label in regions.items()})
    labels[("region", funnel.NOT_ANSWERED)] = _("Not known")
    language_values = tuple(dict.fromkeys(languages))
    dims.append(
        funnel.Dimension(
            slug="language", label=_("Talk language"), values=language_values, protected=False
        )
    )
    labels.update({("language", v): cfp_forms.LANGUAGE_NAMES.get(v, v) for v in language_values})
    labels[("language", funnel.NOT_ANSWERED)] = _("Not known")
    dims.append(
        funnel.Dimension(
            slug="level",
            label=_("Level"),
            values=tuple(cfp_models.Level.values),
            protected=False,
        )
    )
    labels.update({("level", v): str(label) for v, label in cfp_models.Level.choices})
    labels[("level", funnel.NOT_ANSWERED)] = _("Not known")
    track_list = tuple(tracks)
    dims.append(
        funnel.Dimension(
            slug="track",
            label=_("Track"),
            values=tuple(slug for slug, _name in track_list),
            protected=False,
        )
    )
    labels.update({("track", slug): name for slug, name in track_list})
    labels[("track", funnel.NOT_ANSWERED)] = _("No track")
    return tuple(dims), labels


def _self_id_dimensions(
    questions: Iterable[QuestionRow],
) -> tuple[tuple[funnel.Dimension, ...], dict[tuple[str, str], str]]:
    dims = []
    labels: dict[tuple[str, str], str] = {}
    for q in questions:
        dims.append(funnel.Dimension(slug=q.key, label=q.label, values=q.values, protected=True))
        labels.update({(q.key, o.value): o.label for o in q.options})
        labels[(q.key, funnel.NOT_ANSWERED)] = _("Not answered")
    return tuple(dims), labels


def _regions(raw: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Free-text regions folded together: the most frequent keep their name, the rest are "other".

    Returns (value -> label for the dimension, raw folded text -> value).
    """
    counts: Counter[str] = Counter()
    first_label: dict[str, str] = {}
    for text in raw:
        folded = " ".join(text.split()).casefold()
        if not folded:
            continue
        counts[folded] += 1
        first_label.setdefault(folded, " ".join(text.split()))
    kept = [value for value, _n in counts.most_common(REGION_LIMIT)]
    values = {value: first_label[value] for value in sorted(kept)}
    mapping = {value: value for value in kept}
    if len(counts) > len(kept):
        for value in counts:
            mapping.setdefault(value, OTHER_REGION)
        values[OTHER_REGION] = _("Elsewhere")
    return values, mapping


def _stages(rank: int | None, slots: int, decision: str | None) -> frozenset[Stage]:
    stages = {Stage.SUBMITTED}
    if rank is not None and rank <= slots:
        stages.add(Stage.ABOVE_CUT)
    if decision == review_models.DecisionStatus.ACCEPTED:
        stages.add(Stage.ACCEPTED)
    elif decision == review_models.DecisionStatus.WAITLISTED:
        stages.add(Stage.WAITLISTED)
    return frozenset(stages)


def _near_cut_margin(
    *,
    rank: int | None,
    p_in_slots: float | None,
    calibrated: float | None,
    cut: float | None,
    slots: int,
    window: int,
) -> float | None:
    """Calibrated score minus the cut's, for proposals near the cut; None for the others.

    Near: a chance of 20–80 % of being in the slots, or ranked just below the cut (within
    ``window`` places: a tenth of the slot count, at least three).
    """
    if calibrated is None or cut is None or rank is None:
        return None
    chancy = p_in_slots is not None and NEAR_CUT_P[0] <= p_in_slots <= NEAR_CUT_P[1]
    just_below = slots < rank <= slots + window
    return calibrated - cut if chancy or just_below else None


@sensitive_variables()
def report_inputs(*, call_id: int) -> ReportInputs:
    """Read a call into units for `funnel.build_report`: exact stages, pseudonymous keys."""
    call = cfp_models.Call.objects.get(pk=call_id)
    slots = max(
        1,
        sum(cfp_models.Format.objects.filter(call_id=call_id).values_list("slots", flat=True)),
    )
    tracks = tuple(
        cfp_models.Track.objects.filter(call_id=call_id)
        .values_list("slug", "name")
        .order_by("name")
    )
    run_id = review_queries.current_run_id(call_id=call_id)
    scores: dict[int, tuple[int | None, float | None, float | None]] = {
        pid: (rank, p, cal)
        for pid, rank, p, cal in review_models.ProposalScore.objects.filter(
            run_id=run_id
        ).values_list("proposal_id", "rank", "p_in_slots", "calibrated")
    }
    ranked = sorted((s for s in scores.values() if s[0] is not None), key=lambda s: s[0] or 0)
    cut: float | None = None
    if ranked:
        at_cut = [s for s in ranked if s[0] is not None and s[0] <= slots]
        cut = (at_cut[-1] if at_cut else ranked[0])[2]
    decisions = dict(
        review_models.Decision.objects.filter(proposal__call_id=call_id).values_list(
            "proposal_id", "status"
        )
    )
    proposals = {
        pid: (code, language, level, track)
        for pid, code, language, level, track in cfp_models.Proposal.objects.filter(
            call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
        ).values_list("pk", "code", "language", "level", "track__slug")
    }
    links = list(
        cfp_models.ProposalSpeaker.objects.filter(
            proposal__call_id=call_id, proposal__state=cfp_models.ProposalState.SUBMITTED
        )
        .order_by("proposal_id", "position", "speaker_id")
        .values_list(
            "proposal_id",
            "speaker_id",
            "speaker__user_id",
            "speaker__spoken_before",
            "speaker__wants_mentor",
            "speaker__english_additional",
            "speaker__region",
        )
    )
    memberships = list(
        cfp_models.Membership.objects.filter(
            call_id=call_id, role=cfp_models.Role.REVIEWER
        ).values_list("pk", "user_id")
    )
    custom = call_questions(call_id=call_id)
    questions = default_questions() + custom
    allowed = {q.key: frozenset(q.values) for q in questions}
    consented = models.Consent.objects.filter(
        user_id=OuterRef("user_id"), withdrawn_at__isnull=True
    )
    speaker_users = cfp_models.ProposalSpeaker.objects.filter(
        proposal__call_id=call_id,
        proposal__state=cfp_models.ProposalState.SUBMITTED,
        speaker__user_id__isnull=False,
    ).values("speaker__user_id")
    reviewer_users = cfp_models.Membership.objects.filter(
        call_id=call_id, role=cfp_models.Role.REVIEWER
    ).values("user_id")
    # People who withdrew consent are left out of self-identification tables altogether:
    # withdrawal re-keys them in the stored basis (services.withdraw_consent), so to the next
    # build they are one unit that left, which is exactly one change for the release rule.
    withdrawn = set(
        models.Consent.objects.filter(withdrawn_at__isnull=False)
        .filter(Q(user_id__in=speaker_users) | Q(user_id__in=reviewer_users))
        .values_list("user_id", flat=True)
    )
    answered = (
        models.Answer.objects.filter(key__in=list(allowed))
        .filter(Q(user_id__in=speaker_users) | Q(user_id__in=reviewer_users))
        .filter(Exists(consented))
    )
    answers: dict[int, dict[str, str]] = {}
    for uid, key, value in answered.values_list("user_id", "key", "value"):
        if value in allowed[key]:
            answers.setdefault(uid, {})[key] = value
    k = (
        models.ReportSettings.objects.filter(call_id=call_id).values_list("k", flat=True).first()
        or funnel.DEFAULT_K
    )
    targets = {
        (dimension, value): share
        for dimension, value, share in models.Target.objects.filter(call_id=call_id).values_list(
            "dimension", "value", "share"
        )
    }
    previous: dict[str, PreviousSnapshot] = {}
    for kind, basis_at, data in models.SnapshotBasis.objects.filter(
        snapshot__call_id=call_id
    ).values_list("snapshot__kind", "snapshot__basis_at", "data"):
        previous[kind] = PreviousSnapshot(
            report=funnel.PublishedReport.from_dict(data), basis_at=basis_at
        )

    # Only answers changed since the oldest basis matter for declaring changes; reading their
    # times for everyone would convert thousands of datetimes for nothing.
    changed_at: dict[int, dict[str, dt.datetime]] = {}
    if previous:
        since = min(p.basis_at for p in previous.values()) - CHANGE_MARGIN
        for uid, key, when in answered.filter(value_changed_at__gt=since).values_list(
            "user_id", "key", "value_changed_at"
        ):
            changed_at.setdefault(uid, {})[key] = when
    regions, region_of = _regions(link[6] for link in links)
    programme, labels = _programme_dimensions(
        languages=[*(call.languages or []), *sorted({p[1] for p in proposals.values()})],
        tracks=tracks,
        regions=regions,
    )
    self_id, self_labels = _self_id_dimensions(questions)
    labels.update(self_labels)
    labels[("", "pairs")] = _("speaker of each proposal")
    labels[("", "people")] = _("person who speaks")
    labels[("", "reviewers")] = _("reviewer")
    known_targets = {(d.slug, v) for d in (*programme, *self_id) for v in d.values}
    targets = {key: share for key, share in targets.items() if key in known_targets}

    proposal_stages = {
        pid: _stages(scores.get(pid, (None, None, None))[0], slots, decisions.get(pid))
        for pid in proposals
    }
    window = max(3, slots // 10)
    pairs: list[funnel.Unit] = []
    people_stages: dict[int, set[Stage]] = {}
    people_user: dict[int, int | None] = {}
    with_speaker: set[int] = set()
    for pid, sid, uid, spoken_before, mentor, english, region in links:
        if pid not in proposals:
            continue
        with_speaker.add(pid)
        code, language, level, track = proposals[pid]
        rank, p_in_slots, calibrated = scores.get(pid, (None, None, None))
        folded = " ".join((region or "").split()).casefold()
        pairs.append(
            funnel.Unit(
                key=f"{pid}:{sid}",
                stages=proposal_stages[pid],
                values={
                    "first_time": _yes_no(None if spoken_before is None else not spoken_before),
                    "wants_mentor": _yes_no(mentor),
                    "english_additional": _yes_no(english),
                    "region": region_of.get(folded, funnel.NOT_ANSWERED),
                    "language": language,
                    "level": level,
                    "track": track or funnel.NOT_ANSWERED,
                },
                proposal=code,
                score_margin=_near_cut_margin(
                    rank=rank,
                    p_in_slots=p_in_slots,
                    calibrated=calibrated,
                    cut=cut,
                    slots=slots,
                    window=window,
                ),
            )
        )
        people_stages.setdefault(sid, set()).update(proposal_stages[pid])
        people_user[sid] = uid
    for pid, (code, language, level, track) in proposals.items():
        if pid in with_speaker:
            continue
        pairs.append(
            funnel.Unit(
                key=f"{pid}:",
                stages=proposal_stages[pid],
                values={"language": language, "level": level, "track": track or ""},
                proposal=code,
            )
        )

    def person_stages(stages: set[Stage]) -> frozenset[Stage]:
        # A person with one talk accepted and another waitlisted is counted as accepted.
        if Stage.ACCEPTED in stages:
            stages = stages - {Stage.WAITLISTED}
        return frozenset(stages)

    speaker_keys = {
        sid: pseudonym(call_id=call_id, kind=SPEAKER_UNIT, ident=sid) for sid in people_stages
    }
    member_keys = {
        mid: pseudonym(call_id=call_id, kind=MEMBER_UNIT, ident=mid) for mid, _uid in memberships
    }
    people = tuple(
        funnel.Unit(
            key=speaker_keys[sid],
            stages=person_stages(stages),
            values=answers.get(people_user[sid] or 0, {}),
        )
        for sid, stages in sorted(people_stages.items())
        if people_user[sid] not in withdrawn
    )
    reviewers = tuple(
        funnel.Unit(
            key=member_keys[mid],
            stages=frozenset({Stage.SUBMITTED}),
            values=answers.get(uid, {}),
        )
        for mid, uid in sorted(memberships)
        if uid not in withdrawn
    )
    user_of_key = {speaker_keys[sid]: uid for sid, uid in people_user.items() if uid is not None}
    user_of_key.update({member_keys[mid]: uid for mid, uid in memberships})
    changed: dict[str, dict[str, frozenset[str]]] = {}
    for kind, prev in previous.items():
        since = prev.basis_at - CHANGE_MARGIN
        per_question: dict[str, set[str]] = {}
        for key in prev.report.stage_sets:
            owner = user_of_key.get(key)
            if owner is None:
                continue
            for question, when in changed_at.get(owner, {}).items():
                if when > since:
                    per_question.setdefault(question, set()).add(key)
        changed[kind] = {q: frozenset(keys) for q, keys in per_question.items()}

    return ReportInputs(
        call_id=call_id,
        slug=call.slug,
        k=k,
        slots=slots,
        run_id=run_id,
        programme=programme,
        self_id=self_id,
        labels=labels,
        pairs=tuple(pairs),
        people=people,
        reviewers=reviewers,
        targets=targets,
        previous=previous,
        changed=changed,
    )


# --- published reports ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellView:
    count: int | None
    share: float | None
    low: int | None = None
    high: int | None = None

    @property
    def hidden(self) -> bool:
        return self.count is None

    @property
    def percent(self) -> str:
        return _percent(self.share) if self.share is not None else ""


@dataclass(frozen=True, slots=True)
class RowView:
    value: str
    label: str
    cells: tuple[CellView, ...]
    target: float | None

    @property
    def target_percent(self) -> str:
        return _percent(self.target) if self.target is not None else ""


@dataclass(frozen=True, slots=True)
class NearCut:
    code: str
    url: str


@dataclass(frozen=True, slots=True)
class GapView:
    value_label: str
    kind: str
    explanation: str
    p_value: float | None
    near_cut: tuple[NearCut, ...]


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    y1: float
    y2: float
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    texts: tuple[Text, ...]
    marks: tuple[Mark, ...]
    description: str


@dataclass(frozen=True, slots=True)
class DimensionView:
    slug: str
    label: str
    protected: bool
    held: bool
    unit_label: str
    columns: tuple[str, ...]
    totals: tuple[int, ...]
    rows: tuple[RowView, ...]
    gaps: tuple[GapView, ...]
    chart: Chart
    near_cut_withheld: bool = False
    """Programme gaps whose proposal list is withheld until the chairs reveal identities."""

    @property
    def has_target(self) -> bool:
        return any(r.target is not None for r in self.rows)


@dataclass(frozen=True, slots=True)
class ReportView:
    kind: str
    computed_at: dt.datetime
    basis_at: dt.datetime
    held: bool
    k: int
    rebuild_pending: bool
    dimensions: tuple[DimensionView, ...]

    @property
    def gap_count(self) -> int:
        return sum(len(d.gaps) for d in self.dimensions)


@dataclass(frozen=True, slots=True)
class TargetRow:
    group: str
    label: str
    share: float

    @property
    def percent(self) -> str:
        return _percent(self.share)


@dataclass(frozen=True, slots=True)
class ReportPage:
    k: int
    k_locked: bool
    speakers: ReportView | None
    committee: ReportView | None
    targets: tuple[TargetRow, ...]
    target_choices: tuple[tuple[str, str], ...]
    error: str
    failed_at: dt.datetime | None


STAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    models.ReportKind.SPEAKERS: tuple(s.value for s in funnel.STAGES),
    models.ReportKind.COMMITTEE: (Stage.SUBMITTED.value,),
}
CHART_STAGES: dict[str, tuple[str, ...]] = {
    models.ReportKind.SPEAKERS: (Stage.SUBMITTED, Stage.ABOVE_CUT, Stage.ACCEPTED),
    models.ReportKind.COMMITTEE: (Stage.SUBMITTED,),
}


def stage_label(stage: str, kind: str) -> str:
    if kind == models.ReportKind.COMMITTEE:
        return _("Reviewers")
    return {
        Stage.SUBMITTED: _("Submitted"),
        Stage.ABOVE_CUT: _("Above the cut"),
        Stage.ACCEPTED: _("Accepted"),
        Stage.WAITLISTED: _("Waitlisted"),
    }[Stage(stage)]


def proposal_url(*, slug: str, code: str) -> str:
    """The chair's proposal page; built by hand until the curation URLs are wired."""
    for name in ("curation:proposal", "curation:proposal_detail", "curation:detail"):
        try:
            return reverse(name, kwargs={"slug": slug, "code": code})
        except NoReverseMatch:
            continue
    return f"/chair/{slug}/proposals/{code}/"


LABEL_WIDTH = 0
BAR_AREA = 360
BAR_HEIGHT = 12
BAR_GAP = 3
ROW_LABEL = 18
ROW_GAP = 10
CHART_WIDTH = 440


def _chart(*, label: str, kind: str, rows: tuple[RowView, ...], columns: tuple[str, ...]) -> Chart:
    """Horizontal bars per answer: one per funnel stage, a tick at the target."""
    chart_stages = CHART_STAGES[kind]
    indexes = [columns.index(s) for s in chart_stages]
    shares = [c.share for r in rows for c in r.cells if c.share is not None]
    shares += [r.target for r in rows if r.target is not None]
    top = max(shares, default=0.0)
    scale = min(1.0, max(0.1, math.ceil(top * 10.5) / 10))
    bars: list[Bar] = []
    texts: list[Text] = []
    marks: list[Mark] = []
    y = 22.0
    texts.append(Text(x=0, y=12, text="0 %"))
    texts.append(Text(x=BAR_AREA, y=12, text=_percent(scale), anchor="end"))
    for row in rows:
        texts.append(Text(x=0, y=y + 12, text=row.label))
        y += ROW_LABEL
        top_y = y
        for stage, index in zip(chart_stages, indexes, strict=True):
            cell = row.cells[index]
            name = stage_label(stage, kind)
            if cell.share is not None:
                width = BAR_AREA * min(cell.share, scale) / scale
                bars.append(
                    Bar(
                        x=0,
                        y=y,
                        width=round(width, 1),
                        height=BAR_HEIGHT,
                        css=f"funnel-bar-{stage}",
                        title=f"{row.label}, {name}: {_percent(cell.share)}",
                    )
                )
                texts.append(Text(x=round(width + 4, 1), y=y + 10, text=_percent(cell.share)))
            else:
                texts.append(Text(x=4, y=y + 10, text=_("hidden")))
            y += BAR_HEIGHT + BAR_GAP
        if row.target is not None and kind == models.ReportKind.SPEAKERS:
            x = round(BAR_AREA * min(row.target, scale) / scale, 1)
            marks.append(
                Mark(
                    x=x,
                    y1=top_y - 2,
                    y2=y,
                    title=_("%(group)s, target: %(share)s")
                    % {"group": row.label, "share": _percent(row.target)},
                )
            )
        y += ROW_GAP
    description = _(
        "Bar chart of %(dimension)s: the share of each answer at each stage; the table next to "
        "it gives the same figures."
    ) % {"dimension": label}
    return Chart(
        width=CHART_WIDTH,
        height=int(y),
        bars=tuple(bars),
        texts=tuple(texts),
        marks=tuple(marks),
        description=description,
    )


def _report_view(row: models.ReportSnapshot, *, slug: str, show_near_cut: bool) -> ReportView:
    figures: dict[str, Any] = row.figures or {}
    kind = row.kind
    columns = STAGE_COLUMNS.get(kind, STAGE_COLUMNS[models.ReportKind.SPEAKERS])
    dimensions = []
    for d in figures.get("dimensions", []):
        rows = tuple(
            RowView(
                value=r["value"],
                label=r["label"],
                cells=tuple(
                    CellView(
                        count=r["cells"][c]["count"],
                        share=r["cells"][c]["share"],
                        low=(r["cells"][c]["range"] or [None, None])[0],
                        high=(r["cells"][c]["range"] or [None, None])[1],
                    )
                    for c in columns
                ),
                target=r.get("target"),
            )
            for r in d["rows"]
        )
        gaps = tuple(
            GapView(
                value_label=g["label"],
                kind=g["kind"],
                explanation=g["explanation"],
                p_value=g["p_value"],
                near_cut=tuple(
                    NearCut(code=code, url=proposal_url(slug=slug, code=code))
                    for code in g.get("near_cut", [])
                )
                if show_near_cut and not d["protected"]
                else (),
            )
            for g in d["gaps"]
        )
        dimensions.append(
            DimensionView(
                slug=d["slug"],
                label=d["label"],
                protected=d["protected"],
                held=d["held"],
                unit_label=d["unit"],
                columns=tuple(stage_label(c, kind) for c in columns),
                totals=tuple(int(d["totals"].get(c, 0)) for c in columns),
                rows=rows,
                gaps=gaps,
                chart=_chart(label=d["label"], kind=kind, rows=rows, columns=columns),
                near_cut_withheld=not show_near_cut
                and not d["protected"]
                and any(g.get("near_cut") for g in d["gaps"]),
            )
        )
    return ReportView(
        kind=kind,
        computed_at=row.computed_at,
        basis_at=row.basis_at,
        held=row.held,
        k=row.k,
        rebuild_pending=row.rebuild_requested_at is not None,
        dimensions=tuple(dimensions),
    )


def report_page(*, call_id: int, slug: str, show_near_cut: bool) -> ReportPage:
    """The chair's report page: published figures only. Three queries whatever the size."""
    setting = models.ReportSettings.objects.filter(call_id=call_id).first()
    snapshots = {
        s.kind: s for s in models.ReportSnapshot.objects.filter(call_id=call_id).order_by("kind")
    }
    targets = list(
        models.Target.objects.filter(call_id=call_id).values_list("dimension", "value", "share")
    )
    speakers = snapshots.get(models.ReportKind.SPEAKERS)
    committee = snapshots.get(models.ReportKind.COMMITTEE)
    speakers_view = (
        _report_view(speakers, slug=slug, show_near_cut=show_near_cut) if speakers else None
    )
    choices: list[tuple[str, str]] = []
    labels: dict[str, str] = {}
    for d in speakers_view.dimensions if speakers_view else ():
        for r in d.rows:
            if r.value == funnel.NOT_ANSWERED:
                continue
            group = f"{d.slug}:{r.value}"
            labels[group] = f"{d.label}: {r.label}"
            choices.append((group, labels[group]))
    for dimension, value, _share in targets:
        group = f"{dimension}:{value}"
        if group not in labels:
            # A target for a group the latest report no longer shows can still be removed.
            labels[group] = f"{dimension}: {value}"
            choices.append((group, labels[group]))
    return ReportPage(
        k=setting.k if setting else funnel.DEFAULT_K,
        k_locked=bool(snapshots),
        speakers=speakers_view,
        committee=_report_view(committee, slug=slug, show_near_cut=False) if committee else None,
        targets=tuple(
            TargetRow(
                group=f"{dimension}:{value}",
                label=labels.get(f"{dimension}:{value}", f"{dimension}: {value}"),
                share=share,
            )
            for dimension, value, share in targets
        ),
        target_choices=tuple(choices),
        error=setting.error if setting else "",
        failed_at=setting.failed_at if setting else None,
    )


def report_figures(*, call_id: int) -> dict[str, dict[str, Any]]:
    """The published figures per report kind, as stored (for the command's JSON output)."""
    return {
        kind: dict(figures)
        for kind, figures in models.ReportSnapshot.objects.filter(call_id=call_id)
        .order_by("kind")
        .values_list("kind", "figures")
    }


def report_views(*, call_id: int, slug: str, show_near_cut: bool) -> tuple[ReportView, ...]:
    """Every published report of a call, for the command's text output."""
    return tuple(
        _report_view(s, slug=slug, show_near_cut=show_near_cut and s.kind == "speakers")
        for s in models.ReportSnapshot.objects.filter(call_id=call_id).order_by("-kind")
    )


def chairs_see_identities(*, call_id: int) -> bool:
    row = (
        cfp_models.Call.objects.filter(pk=call_id)
        .values_list("chairs_blind", "identities_revealed_at")
        .first()
    )
    return row is not None and (not row[0] or row[1] is not None)


def call_id_for_slug(*, slug: str) -> int | None:
    return cfp_models.Call.objects.filter(slug=slug).values_list("pk", flat=True).first()
