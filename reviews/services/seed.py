"""Seeding a complete demo call: the write side behind ``seed_demo`` and the benchmarks.

Uses bulk inserts so that 10,000 proposals and 50,000 reviews take seconds, not minutes; the rows
are written by the same functions the services use (roles through ``cfp.services.grant_role``,
proposal texts through ``cfp.services.store_texts``, reviews through
``services.reviews.record_reviews``), so they are the rows a real call would hold.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from cfp import demo
from cfp import models as cfp_models
from cfp import services as cfp_services
from common import codes
from common.stats import analyze_after_bulk_load
from reviews import models
from reviews.domain import scoring
from reviews.services import aggregation, assignment, reviews


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    password: str
    role: str


@dataclass(frozen=True, slots=True)
class SeedResult:
    call: str
    criteria: tuple[scoring.Criterion, ...]
    users: tuple[Login, ...]
    proposals: int
    reviews: int


def _user(username: str, password_hash: str, *, name: str, email: str) -> Any:
    user_model = get_user_model()
    user, _ = user_model.objects.update_or_create(
        username=username,
        defaults={
            "password": password_hash,
            "first_name": name,
            "email": email,
            "is_active": True,
        },
    )
    return user


@transaction.atomic
def seed_demo(
    *,
    slug: str,
    proposals: int,
    reviewers: int,
    seed: int,
    now: dt.datetime,
    aggregate: bool = True,
    reviewed_share: float = 0.8,
    per_proposal: int = 3,
    decisions: bool = True,
    proposal_texts: Sequence[Mapping[str, str]] | None = None,
) -> SeedResult:
    """Create (or recreate) the demo call ``slug`` with people, proposals and reviews.

    ``per_proposal`` reviewers are assigned to each proposal and ``reviewed_share`` of those
    assignments get a review (10,000 proposals × 5 × 1.0 gives the benchmarks' 50,000 reviews).
    With ``decisions`` the demo chair has already accepted the best few proposals of each format
    (by mean review score), waitlisted some and rejected some, so the shortlist and its exports
    have rows from the start. ``proposal_texts`` (title, abstract, description), cycled, replace the
    generated proposal texts: the benchmarks use it to run on real talks.
    """
    rng = random.Random(seed)
    cfp_models.Call.objects.filter(slug=slug).delete()
    call = cfp_models.Call.objects.create(
        slug=slug,
        name="PyDemo Conf 2027",
        description=(
            "Welcome to the **PyDemo Conf 2027** call for proposals.\n\n"
            "We welcome first-time speakers: ask for a mentor in your speaker profile."
        ),
        opens_at=now - dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=14),
        review_deadline_at=now + dt.timedelta(days=28),
        languages=["en", "es"],
        reviews_per_proposal=per_proposal,
    )
    formats = {
        s: cfp_models.Format.objects.create(
            call=call,
            slug=s,
            name=n,
            duration_minutes=d,
            slots=max(1, round(slots * proposals / 60)),
        )
        for s, n, d, slots in demo.FORMATS
    }
    tracks = {s: cfp_models.Track.objects.create(call=call, slug=s, name=n) for s, n in demo.TRACKS}
    criteria = []
    for pos, (cs, name, guidance, lo, hi, weight) in enumerate(demo.CRITERIA):
        cfp_models.Criterion.objects.create(
            call=call,
            slug=cs,
            name=name,
            guidance=guidance,
            minimum=lo,
            maximum=hi,
            weight=weight,
            position=pos,
        )
        criteria.append(scoring.Criterion(slug=cs, weight=weight, minimum=lo, maximum=hi))

    logins: list[Login] = []
    # Passwords are printed for the demo; hashing once keeps seeding fast.
    chair_pw = "demo-chair-2027"
    chair = _user(
        f"{slug}-chair", make_password(chair_pw), name="Demo Chair", email=f"chair@{slug}.example"
    )
    cfp_services.grant_role(call_id=call.pk, user_id=chair.pk, role=cfp_models.Role.CHAIR)
    logins.append(Login(username=f"{slug}-chair", password=chair_pw, role="chair"))

    reviewer_pw = "demo-reviewer-2027"
    reviewer_hash = make_password(reviewer_pw)
    reviewer_users = []
    for i in range(1, reviewers + 1):
        u = _user(
            f"{slug}-reviewer{i}",
            reviewer_hash,
            name=f"Reviewer {i}",
            email=f"reviewer{i}@{slug}.example",
        )
        reviewer_users.append(u)
        logins.append(Login(username=f"{slug}-reviewer{i}", password=reviewer_pw, role="reviewer"))
    cfp_services.grant_roles(
        call_id=call.pk, user_ids=[u.pk for u in reviewer_users], role=cfp_models.Role.REVIEWER
    )
    models.ReviewerSettings.objects.bulk_create(
        [
            models.ReviewerSettings(
                call=call, user=u, languages=["en", "es"] if i % 3 == 0 else ["en"]
            )
            for i, u in enumerate(reviewer_users)
        ]
    )

    speaker_pw = "demo-speaker-2027"
    speaker_hash = make_password(speaker_pw)
    speaker_user = _user(
        f"{slug}-speaker", speaker_hash, name="Demo Speaker", email=f"speaker@{slug}.example"
    )
    logins.append(Login(username=f"{slug}-speaker", password=speaker_pw, role="submitter"))

    people = [demo.person(rng, i) for i in range(proposals)]
    speakers = cfp_models.Speaker.objects.bulk_create(
        [
            cfp_models.Speaker(
                name=p.name,
                email=p.email,
                affiliation=p.affiliation,
                bio=f"{p.name} writes Python and likes {rng.choice(demo.TOPICS)}.",
                spoken_before=not p.first_time,
                english_additional=p.english_additional,
                wants_mentor=p.wants_mentor,
                region=rng.choice(["Europe", "Africa", "Asia", "Americas", "Oceania"]),
            )
            for p in people
        ],
        batch_size=2000,
    )
    own = cfp_models.Speaker.objects.filter(user=speaker_user).first()
    if own is None:
        own = cfp_models.Speaker.objects.create(
            user=speaker_user,
            name="Demo Speaker",
            email=f"speaker@{slug}.example",
            spoken_before=False,
        )
    used_codes: set[str] = set(cfp_models.Proposal.objects.values_list("code", flat=True))
    rows = []
    for i, person in enumerate(people):
        fake = demo.proposal(rng, person)
        code = codes.new_code()
        while code in used_codes:
            code = codes.new_code()
        used_codes.add(code)
        fields = {
            "title": fake.title,
            "abstract": fake.abstract,
            "description": fake.description,
            "notes": fake.notes,
        }
        if proposal_texts:
            given = proposal_texts[i % len(proposal_texts)]
            fields.update(
                title=given["title"][:250],
                abstract=given["abstract"],
                description=given.get("description", ""),
            )
        submitted = (
            now - dt.timedelta(days=30) + dt.timedelta(seconds=rng.randint(0, 30 * 86400 - 1))
        )
        rows.append(
            cfp_models.Proposal(
                call=call,
                code=code,
                external_id=f"demo-{i:05d}",
                owner=speaker_user if i == 0 else None,
                title=fields["title"],
                abstract=fields["abstract"],
                description=fields["description"],
                notes=fields["notes"],
                format=formats[fake.format_slug],
                track=tracks[fake.track_slug],
                level=fake.level,
                language=fake.language,
                submitted_at=min(submitted, now),
                updated_at=min(submitted, now),
            )
        )
    created = cfp_models.Proposal.objects.bulk_create(rows, batch_size=2000)
    if not created or created[0].pk is None:  # SQLite < 3.35 would not return ids
        created = list(cfp_models.Proposal.objects.filter(call=call).order_by("external_id"))
    cfp_models.ProposalSpeaker.objects.bulk_create(
        [
            cfp_models.ProposalSpeaker(
                proposal=p, speaker=own if i == 0 else speakers[i], confirmed_at=now
            )
            for i, p in enumerate(created)
        ],
        batch_size=2000,
    )
    # The redaction, findings and first version of each proposal, as a submission writes them:
    # after the line-up, since the scanner looks for these speakers.
    cfp_services.store_texts(
        proposals=created,
        versions={p.pk: cfp_services.NewVersion(created_at=p.submitted_at) for p in created},
    )

    assignment.assign_reviewers(
        call_id=call.pk, per_proposal=None, actor_id=None, now=now, recompute=False
    )
    # A planted committee: each proposal has a true quality, each reviewer a personal offset.
    quality = {p.pk: rng.gauss(0, 1) for p in created}
    offset = {u.pk: rng.gauss(0, 0.6) for u in reviewer_users}
    entries = []
    for proposal_id, reviewer_id in (
        models.Assignment.objects.filter(proposal__call=call)
        .order_by("proposal_id", "reviewer_id")
        .values_list("proposal_id", "reviewer_id")
    ):
        if rng.random() > reviewed_share:
            continue
        scores = {}
        for c in criteria:
            raw = 3 + quality[proposal_id] + offset[reviewer_id] + rng.gauss(0, 0.7)
            scores[c.slug] = int(min(c.maximum, max(c.minimum, round(raw))))
        entries.append(
            reviews.ReviewEntry(
                proposal_id=proposal_id,
                reviewer_id=reviewer_id,
                proposal_version=1,
                data=reviews.ReviewData(
                    scores=scores,
                    confidence=rng.randint(2, 5),
                    comment=rng.choice(
                        [
                            "",
                            "Solid outline.",
                            "Needs a clearer takeaway.",
                            "Great fit for beginners.",
                        ]
                    ),
                    feedback=rng.choice(
                        ["", "Consider adding a live demo.", "The abstract could be shorter."]
                    ),
                ),
                at=now - dt.timedelta(minutes=rng.randint(1, 20000)),
            )
        )
    weighted = reviews.record_reviews(call_id=call.pk, entries=entries, criteria=criteria)
    analyze_after_bulk_load(
        cfp_models.Proposal,
        cfp_models.ProposalSpeaker,
        cfp_models.ProposalVersion,
        cfp_models.Speaker,
        models.Assignment,
        models.Review,
        rows=len(created) + len(entries),
    )
    logins.append(_seed_mentoring(call=call, speaker=speaker_user, slug=slug, now=now))
    if decisions:
        _seed_decisions(
            created=created,
            scores=[(e.proposal_id, score) for e, score in zip(entries, weighted, strict=True)],
            formats=formats,
            chair_id=chair.pk,
            now=now,
        )
    if aggregate:
        models.AggregationRun.objects.create(call=call, requested_at=now)
        transaction.on_commit(lambda: aggregation.run_aggregation(call_id=call.pk, now=now))
    return SeedResult(
        call=slug,
        criteria=tuple(criteria),
        users=tuple(logins),
        proposals=len(created),
        reviews=len(entries),
    )


def _seed_mentoring(*, call: cfp_models.Call, speaker: Any, slug: str, now: dt.datetime) -> Login:
    """A mentor and two of the demo speaker's drafts that asked for one (issue 25): one matched,
    with a message and a suggestion waiting, one still waiting for the chairs to match it."""
    from cfp.services import mentoring

    mentor_pw = "demo-mentor-2027"
    mentor = _user(
        f"{slug}-mentor",
        make_password(mentor_pw),
        name="Demo Mentor",
        email=f"mentor@{slug}.example",
    )
    cfp_services.grant_role(call_id=call.pk, user_id=mentor.pk, role=cfp_models.Role.MENTOR)
    drafts = []
    for title, abstract in (
        (
            "My first talk: testing Django views",
            "I will show how I test my views. It is a really nice approach.",
        ),
        ("Typing a legacy codebase", "Notes from adding type hints to an old project."),
    ):
        code = cfp_services.submit_proposal(
            call_slug=slug,
            owner=speaker,
            data=cfp_services.ProposalData(title=title, abstract=abstract, format_slug="talk"),
            token=f"demo-draft-{title}",
            now=now,
            draft=True,
        )
        mentoring.ask_for_mentor(call_slug=slug, code=code, user_id=speaker.pk, now=now)
        drafts.append(code)
    mentoring.match_mentor(
        call_id=call.pk, code=drafts[0], mentor_id=mentor.pk, chair_id=None, now=now
    )
    mentoring.post_message(
        call_id=call.pk,
        code=drafts[0],
        user_id=mentor.pk,
        body="Nice start! Say what attendees take home; see my suggestion on the abstract.",
        now=now,
    )
    mentoring.suggest_change(
        call_id=call.pk,
        code=drafts[0],
        mentor_id=mentor.pk,
        original="It is a really nice approach.",
        replacement="You leave with a checklist for your own test suite.",
        note="A concrete takeaway reads better than an adjective.",
        now=now,
    )
    return Login(username=f"{slug}-mentor", password=mentor_pw, role="mentor")


def _seed_decisions(
    *,
    created: list[cfp_models.Proposal],
    scores: Sequence[tuple[int, float | None]],
    formats: dict[str, cfp_models.Format],
    chair_id: int,
    now: dt.datetime,
) -> None:
    """The demo chair's first decisions: per format, the best half of the slots accepted and
    the next two waitlisted; the two weakest proposals of the call rejected."""
    totals: dict[int, list[float]] = {}
    for proposal_id, score in scores:
        if score is not None:
            totals.setdefault(proposal_id, []).append(score)
    mean = {pid: sum(v) / len(v) for pid, v in totals.items()}
    reviewed = sorted((p for p in created if p.pk in mean), key=lambda p: (-mean[p.pk], p.code))
    status: dict[int, str] = {}
    for fmt in formats.values():
        mine = [p for p in reviewed if p.format_id == fmt.pk]
        accept = max(1, fmt.slots // 2)
        for p in mine[:accept]:
            status[p.pk] = models.DecisionStatus.ACCEPTED
        for p in mine[accept : accept + 2]:
            status[p.pk] = models.DecisionStatus.WAITLISTED
    for p in [p for p in reviewed if p.pk not in status][-2:]:
        status[p.pk] = models.DecisionStatus.REJECTED
    decided_at = now - dt.timedelta(hours=1)
    models.Decision.objects.bulk_create(
        [
            models.Decision(
                proposal_id=pid, status=s, version=1, decided_by_id=chair_id, decided_at=decided_at
            )
            for pid, s in status.items()
        ],
        batch_size=2000,
    )
    models.DecisionChange.objects.bulk_create(
        [
            models.DecisionChange(
                proposal_id=pid,
                from_status=models.DecisionStatus.UNDECIDED,
                to_status=s,
                note="Demo: decided by the review scores.",
                actor_id=chair_id,
                created_at=decided_at,
            )
            for pid, s in status.items()
        ],
        batch_size=2000,
    )
