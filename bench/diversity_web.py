"""The diversity report through its service and pages, on a temporary SQLite database.

    python bench/diversity_web.py [--proposals 10000] [--repeats 3]

Seeds a demo call through the project's seeding service (speakers, reviews, a real calibrated
aggregation), gives most speakers and reviewers an account with consent and answers, decides the
top of the ranking, then times:

* ``diversity.services.build_report``: the first report (no previous snapshot), a rebuild after
  fewer than k changes (figures held) and one after more than k changes (two snapshots audited
  together). Target (issue 7): ≤ 2 s at 10,000 proposals;
* the chair's report page and /me/self-id/: server time and data queries (fixed counts).

Tasks go to an in-memory broker (not run inline), as the quality bars require.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
TARGET_SECONDS = 2.0


def _setup(var_dir: str) -> None:
    os.environ["TALKREVIEW_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from config.celery import app

    app.conf.task_always_eager = False


def _seed(proposals: int, rng: random.Random) -> tuple[int, str, Any, Any]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cfp import models as cfp_models
    from diversity import models
    from reviews import models as review_models
    from reviews import services as review_services
    from reviews.services import seed

    now = timezone.now()
    seed.seed_demo(
        slug="bench",
        proposals=proposals,
        reviewers=max(5, proposals // 50),
        seed=7,
        now=now,
        aggregate=False,
    )
    call = cfp_models.Call.objects.get(slug="bench")
    review_services.request_aggregation(call_id=call.pk, now=now, enqueue=False)
    review_services.run_aggregation(call_id=call.pk, now=now)
    slots = sum(cfp_models.Format.objects.filter(call=call).values_list("slots", flat=True))
    run = review_models.AggregationRun.objects.filter(call=call, state="done").latest("id")
    decisions = []
    for pid, rank in review_models.ProposalScore.objects.filter(run=run).values_list(
        "proposal_id", "rank"
    ):
        r = rng.random()
        if rank is not None and rank <= slots and r < 0.9:
            status = "accepted"
        elif rank is not None and rank <= slots * 1.3 and r < 0.5:
            status = "waitlisted"
        else:
            status = "rejected"
        decisions.append(review_models.Decision(proposal_id=pid, status=status))
    review_models.Decision.objects.bulk_create(
        decisions,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["proposal"],
        update_fields=["status"],
    )

    user_model = get_user_model()
    speakers = list(
        cfp_models.Speaker.objects.filter(user__isnull=True).values_list("pk", flat=True)
    )
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench-person{i}", email=f"p{i}@bench.example") for i in speakers],
        batch_size=5000,
    )
    if users and users[0].pk is None:
        users = list(user_model.objects.filter(username__startswith="bench-person").order_by("pk"))
    links = [
        cfp_models.Speaker(pk=sid, user_id=u.pk) for sid, u in zip(speakers, users, strict=True)
    ]
    cfp_models.Speaker.objects.bulk_update(links, ["user"], batch_size=5000)
    reviewers = list(
        cfp_models.Membership.objects.filter(call=call, role="reviewer").values_list(
            "user_id", flat=True
        )
    )
    genders = ["woman"] * 30 + ["man"] * 50 + ["non_binary"] * 3 + ["self_describe"] * 1
    genders += ["prefer_not_to_say"] * 6
    consents, answers = [], []
    for uid in [u.pk for u in users] + reviewers:
        if rng.random() < 0.25:
            continue  # never answered
        consents.append(models.Consent(user_id=uid, version=models.CONSENT_VERSION, given_at=now))
        gender = rng.choice(genders)
        answers.append(
            models.Answer(
                user_id=uid,
                key="gender",
                value=gender,
                text="words" if gender == "self_describe" else "",
                answered_at=now - dt.timedelta(days=1),
                value_changed_at=now - dt.timedelta(days=1),
            )
        )
        if rng.random() < 0.8:
            answers.append(
                models.Answer(
                    user_id=uid,
                    key="underrepresented",
                    value=rng.choice(["yes", "no", "no", "no", "prefer_not_to_say"]),
                    answered_at=now - dt.timedelta(days=1),
                    value_changed_at=now - dt.timedelta(days=1),
                )
            )
    models.Consent.objects.bulk_create(consents, batch_size=5000)
    models.Answer.objects.bulk_create(answers, batch_size=5000)
    chair = user_model.objects.get(username="bench-chair")
    person = users[0]
    return call.pk, call.slug, chair, person


def _change_answers(count: int, when: dt.datetime) -> None:
    from diversity import models

    rows = list(models.Answer.objects.filter(key="gender", value="man")[:count])
    for row in rows:
        row.value = "woman"
        row.value_changed_at = when
    models.Answer.objects.bulk_update(rows, ["value", "value_changed_at"])


def _timed_page(client: Any, url: str, *, repeats: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, counts = [], []
    for _ in range(repeats + 2):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        counts.append(
            sum(
                1
                for q in captured.captured_queries
                if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
            )
        )
    assert len(set(counts)) == 1, counts
    return statistics.median(times[2:]), counts[0]


def measure(*, proposals: int, repeats: int) -> list[tuple[str, float, str]]:
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from diversity import services

    call_command("migrate", verbosity=0)
    rng = random.Random(11)
    t0 = time.perf_counter()
    call_id, slug, chair, person = _seed(proposals, rng)
    rows: list[tuple[str, float, str]] = [("seed (s)", time.perf_counter() - t0, "")]

    def build(label: str, when: dt.datetime, *, change: int = 0, times: int = 1) -> None:
        """Time `times` builds, each after `change` more answers changed (a fresh path each)."""
        walls, cpus, held = [], [], ""
        for i in range(times):
            at = when + dt.timedelta(minutes=10 * i)
            if change:
                _change_answers(change, at - dt.timedelta(minutes=5))
            start, cpu = time.perf_counter(), time.process_time()
            outcome = services.build_report(call_id=call_id, now=at)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            assert outcome is not None
            assert outcome.built
            held = "held" if outcome.speakers_held else "published"
        seconds = statistics.median(walls)
        verdict = "PASS" if seconds <= TARGET_SECONDS else "FAIL"
        rows.append(
            (
                f"build: {label} (s)",
                seconds,
                f"cpu {statistics.median(cpus):.3f} s; {held}; ≤ {TARGET_SECONDS} s: {verdict}",
            )
        )

    now = timezone.now()
    build("first report", now)
    build("no change", now + dt.timedelta(hours=1), times=repeats)
    build("4 changes, held", now + dt.timedelta(hours=2), change=4)
    build("40 changes, refreshed", now + dt.timedelta(hours=3), change=40, times=repeats)

    chair_client = Client()
    chair_client.force_login(chair)
    ms, queries = _timed_page(
        chair_client, reverse("diversity:report", args=[slug]), repeats=repeats
    )
    rows.append(("report page (ms)", ms, f"{queries} queries"))
    person_client = Client()
    person_client.force_login(person)
    ms, queries = _timed_page(person_client, reverse("diversity:self_id"), repeats=repeats)
    rows.append(("/me/self-id/ (ms)", ms, f"{queries} queries"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup(tmp)
        rows = measure(proposals=args.proposals, repeats=args.repeats)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"diversity report at {args.proposals} proposals (SQLite, tasks to a broker; "
        f"{os.cpu_count()} cores, load {load:.1f}); median of {args.repeats} runs"
    )
    for label, value, note in rows:
        print(f"{label:<34} {value:10.3f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
