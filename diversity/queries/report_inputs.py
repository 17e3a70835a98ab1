"""Inputs of a report build: a call read into funnel units with exact stages and pseudonymous keys
(never a user id or a name), the labels people read, targets, and the previous snapshots with the
answers changed since.

cfp and reviews tables are read here (diversity sits above both apps); they never read ours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import languages as cfp_languages
from diversity import models
from diversity.domain import funnel, programme
from diversity.domain.funnel import Stage
from diversity.queries import pseudonyms, questions
from diversity.queries.questions import QuestionRow
from reviews import models as review_models
from reviews import queries as review_queries

CHANGE_MARGIN = dt.timedelta(seconds=30)
"""Only for a stored basis from before epoch tokens (``EPOCHS``): answers changed since a little
before its time are declared changed. A basis with tokens compares them instead, exactly: the
margin counted answers saved just before a build as changes again at the next one (issue 16)."""

EPOCHS = "epochs"
"""The key of a stored basis holding, per question, each counted unit's answer epoch token."""


@dataclass(frozen=True, slots=True)
class PreviousSnapshot:
    report: funnel.PublishedReport
    basis_at: dt.datetime
    epochs: dict[str, dict[str, str]] | None = None
    """Per question, unit key -> epoch token at the basis; None for a basis stored before them."""


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
    person_of: dict[str, str]
    """Unit key (people and reviewers) -> the person's key in the release history."""
    epochs: dict[str, dict[str, str]]
    """Per question: unit key -> the answer's epoch token (answered units only)."""


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
    # Issue 25: whether the proposal was mentored before it was submitted. Protected: crossed
    # with first-time speakers and a small call it could single a person out, so it is released
    # under the same differencing rule as self-identification.
    dims.append(
        funnel.Dimension(
            slug="mentored", label=_("Mentored before submitting"), values=yes_no, protected=True
        )
    )
    labels[("mentored", models.YES)] = _("Yes")
    labels[("mentored", models.NO)] = _("No")
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
    labels.update({("language", v): cfp_languages.language_name(v) for v in language_values})
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
    rows: Iterable[QuestionRow],
) -> tuple[tuple[funnel.Dimension, ...], dict[tuple[str, str], str]]:
    dims = []
    labels: dict[tuple[str, str], str] = {}
    for q in rows:
        dims.append(funnel.Dimension(slug=q.key, label=q.label, values=q.values, protected=True))
        labels.update({(q.key, o.value): o.label for o in q.options})
        labels[(q.key, funnel.NOT_ANSWERED)] = _("Not answered")
    return tuple(dims), labels


def _previous(*, call_id: int) -> dict[str, PreviousSnapshot]:
    return {
        kind: PreviousSnapshot(
            report=funnel.PublishedReport.from_dict(data),
            basis_at=basis_at,
            epochs=(
                {str(q): dict(keys) for q, keys in data[EPOCHS].items()} if EPOCHS in data else None
            ),
        )
        for kind, basis_at, data in models.SnapshotBasis.objects.filter(
            snapshot__call_id=call_id
        ).values_list("snapshot__kind", "snapshot__basis_at", "data")
    }


def _changed(
    *,
    previous: Mapping[str, PreviousSnapshot],
    changed_at: Mapping[int, Mapping[str, dt.datetime]],
    user_of_key: Mapping[str, int],
    epochs: Mapping[str, Mapping[str, str]],
) -> dict[str, dict[str, frozenset[str]]]:
    """Per report kind, per question: the previous basis' units whose answer changed since.

    Exactly those whose epoch token differs from the one stored with the basis (answered then
    and now; first answers and withdrawals the domain sees for itself). A basis without tokens
    falls back to timestamps with ``CHANGE_MARGIN``.
    """
    changed: dict[str, dict[str, frozenset[str]]] = {}
    for kind, prev in previous.items():
        if prev.epochs is not None:
            changed[kind] = {
                q: frozenset(
                    key
                    for key, token in then.items()
                    if key in prev.report.stage_sets and epochs.get(q, {}).get(key, token) != token
                )
                for q, then in prev.epochs.items()
            }
            continue
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
    return changed


@sensitive_variables()
def _answers(
    *, answered: QuerySet[models.Answer], allowed: Mapping[str, frozenset[str]]
) -> tuple[dict[int, dict[str, str]], dict[int, dict[str, str]]]:
    """Per user: the answers still among the offered ones, and each one's epoch token.

    One read for both, so a token always describes the value counted with it.
    """
    answers: dict[int, dict[str, str]] = {}
    epochs: dict[int, dict[str, str]] = {}
    for uid, key, value, when in answered.values_list(
        "user_id", "key", "value", "value_changed_at"
    ):
        if value in allowed[key]:
            answers.setdefault(uid, {})[key] = value
            epochs.setdefault(uid, {})[key] = pseudonyms.epoch_token(
                user_id=uid, key=key, changed_at=when.isoformat()
            )
    return answers, epochs


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
    cut = programme.cut_score(
        sorted((s for s in scores.values() if s[0] is not None), key=lambda s: s[0] or 0),
        slots=slots,
    )
    decisions = dict(
        review_models.Decision.objects.filter(proposal__call_id=call_id).values_list(
            "proposal_id", "status"
        )
    )
    proposals = {
        pid: (code, language, level, track)
        for pid, code, language, level, track in cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .order_by("submitted_at", "pk")
        .values_list("pk", "code", "language", "level", "track__slug")
    }
    links = list(
        cfp_models.ProposalSpeaker.objects.filter(cfp_models.in_call("proposal__"))
        .filter(proposal__call_id=call_id)
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
    mentored = set(
        cfp_models.MentorMatch.objects.filter(proposal__call_id=call_id).values_list(
            "proposal_id", flat=True
        )
    )
    reviewing = list(
        cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id).values_list(
            "pk", "user_id"
        )
    )
    rows = questions.default_questions() + questions.call_questions(call_id=call_id)
    allowed = {q.key: frozenset(q.values) for q in rows}
    consented = models.Consent.objects.filter(
        user_id=OuterRef("user_id"), withdrawn_at__isnull=True
    )
    speaker_users = (
        cfp_models.ProposalSpeaker.objects.filter(cfp_models.in_call("proposal__"))
        .filter(proposal__call_id=call_id, speaker__user_id__isnull=False)
        .values("speaker__user_id")
    )
    reviewer_users = cfp_queries.member_user_ids(call_id=call_id, role=cfp_models.Role.REVIEWER)
    in_report = Q(user_id__in=speaker_users) | Q(user_id__in=reviewer_users)
    # People who withdrew consent are left out of self-identification tables altogether:
    # withdrawal re-keys them in the stored basis (services.answers.withdraw_consent), so to the
    # next build they are one unit that left, which is exactly one change for the release rule.
    withdrawn = set(
        models.Consent.objects.filter(withdrawn_at__isnull=False)
        .filter(in_report)
        .values_list("user_id", flat=True)
    )
    answered = (
        models.Answer.objects.filter(key__in=list(allowed))
        .filter(in_report)
        .filter(Exists(consented))
    )
    answers, epochs_of = _answers(answered=answered, allowed=allowed)
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
    previous = _previous(call_id=call_id)

    # Only answers changed since the oldest basis matter for declaring changes; reading their
    # times for everyone would convert thousands of datetimes for nothing.
    changed_at: dict[int, dict[str, dt.datetime]] = {}
    if previous:
        since = min(p.basis_at for p in previous.values()) - CHANGE_MARGIN
        for uid, key, when in answered.filter(value_changed_at__gt=since).values_list(
            "user_id", "key", "value_changed_at"
        ):
            changed_at.setdefault(uid, {})[key] = when
    regions, region_of = programme.fold_regions(
        (link[6] for link in links), other_label=_("Elsewhere")
    )
    programme_dims, labels = _programme_dimensions(
        languages=[*(call.languages or []), *sorted({p[1] for p in proposals.values()})],
        tracks=tracks,
        regions=regions,
    )
    self_id, self_labels = _self_id_dimensions(rows)
    labels.update(self_labels)
    labels[("", "pairs")] = _("speaker of each proposal")
    labels[("", "people")] = _("person who speaks")
    labels[("", "reviewers")] = _("reviewer")
    known_targets = {(d.slug, v) for d in (*programme_dims, *self_id) for v in d.values}
    targets = {key: share for key, share in targets.items() if key in known_targets}

    proposal_stages = {
        pid: programme.proposal_stages(
            rank=scores.get(pid, (None, None, None))[0],
            slots=slots,
            accepted=decisions.get(pid) == review_models.DecisionStatus.ACCEPTED,
            waitlisted=decisions.get(pid) == review_models.DecisionStatus.WAITLISTED,
        )
        for pid in proposals
    }
    window = programme.near_cut_window(slots)
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
        pairs.append(
            funnel.Unit(
                key=f"{pid}:{sid}",
                stages=proposal_stages[pid],
                values={
                    "first_time": _yes_no(None if spoken_before is None else not spoken_before),
                    "wants_mentor": _yes_no(mentor),
                    "mentored": models.YES if pid in mentored else models.NO,
                    "english_additional": _yes_no(english),
                    "region": region_of.get(programme.fold(region or ""), funnel.NOT_ANSWERED),
                    "language": language,
                    "level": level,
                    "track": track or funnel.NOT_ANSWERED,
                },
                proposal=code,
                score_margin=programme.near_cut_margin(
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

    speaker_keys = {
        sid: pseudonyms.pseudonym(call_id=call_id, kind=pseudonyms.SPEAKER_UNIT, ident=sid)
        for sid in people_stages
    }
    member_keys = {
        mid: pseudonyms.pseudonym(call_id=call_id, kind=pseudonyms.MEMBER_UNIT, ident=mid)
        for mid, _uid in reviewing
    }
    people = tuple(
        funnel.Unit(
            key=speaker_keys[sid],
            stages=programme.person_stages(stages),
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
        for mid, uid in sorted(reviewing)
        if uid not in withdrawn
    )
    user_of_key = {speaker_keys[sid]: uid for sid, uid in people_user.items() if uid is not None}
    user_of_key.update({member_keys[mid]: uid for mid, uid in reviewing})
    person_of = {
        speaker_keys[sid]: pseudonyms.person_key(user_id=uid, speaker_id=sid)
        for sid, uid in people_user.items()
    }
    person_of.update(
        {member_keys[mid]: pseudonyms.person_key(user_id=uid) for mid, uid in reviewing}
    )
    epochs: dict[str, dict[str, str]] = {}
    for unit in (*people, *reviewers):
        owner = user_of_key.get(unit.key)
        for question, token in epochs_of.get(owner, {}).items() if owner is not None else ():
            if question in unit.values:
                epochs.setdefault(question, {})[unit.key] = token

    return ReportInputs(
        call_id=call_id,
        slug=call.slug,
        k=k,
        slots=slots,
        run_id=run_id,
        programme=programme_dims,
        self_id=self_id,
        labels=labels,
        pairs=tuple(pairs),
        people=people,
        reviewers=reviewers,
        targets=targets,
        previous=previous,
        changed=_changed(
            previous=previous, changed_at=changed_at, user_of_key=user_of_key, epochs=epochs
        ),
        person_of=person_of,
        epochs=epochs,
    )
