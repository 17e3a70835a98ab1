"""Management commands: one-line errors on bad input, and the documented outputs."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cfp import models as cfp_models
from reviews import models as review_models

pytestmark = pytest.mark.django_db


def _seed() -> dict[str, object]:
    out = StringIO()
    call_command(
        "seed_demo", "--call", "demo", "--proposals", "12", "--reviewers", "4", "--json", stdout=out
    )
    return dict(json.loads(out.getvalue()))


def test_seed_demo_json_lists_the_call_criteria_and_log_ins() -> None:
    data = _seed()

    assert data["call"] == "demo"
    assert {c["slug"] for c in data["criteria"]} == {"relevance", "clarity", "originality"}  # type: ignore[attr-defined]
    roles = {u["role"] for u in data["users"]}  # type: ignore[attr-defined]
    assert roles == {"chair", "reviewer", "submitter", "mentor"}


def test_seed_demo_has_a_mentor_with_a_mentored_draft_and_a_waiting_request() -> None:
    from cfp import models as cfp_models

    _seed()

    drafts = cfp_models.Proposal.objects.filter(call__slug="demo", state="draft")
    assert drafts.filter(mentoring_request__isnull=False).count() == 2
    matched = cfp_models.MentorMatch.objects.get(proposal__call__slug="demo")
    assert matched.mentor.username == "demo-mentor"
    assert matched.proposal.mentoring_posts.exists()
    assert matched.proposal.mentoring_suggestions.filter(state="open").exists()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_json_is_json_while_the_console_mail_backend_prints_the_seeds_mail(
    settings: Any, capsys: Any
) -> None:
    # `make screens` reads this output: the mail the seed sends (a mentor match) went to the
    # same standard output through the development backend and broke the JSON. Committed
    # transactions, as under manage.py, so the mail leaves while the seed runs.
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo", "--proposals", "12", "--reviewers", "4", "--json")

    assert json.loads(capsys.readouterr().out)["call"] == "demo"
    assert cfp_models.EmailOutbox.objects.filter(sent_at__isnull=False).exists()


def test_seed_demo_can_run_twice() -> None:
    _seed()
    _seed()

    assert review_models.Review.objects.filter(call__slug="demo").exists()


@pytest.mark.parametrize(
    "command", [("assign_reviewers",), ("aggregate_scores", "--sync"), ("export_proposals",)]
)
def test_commands_refuse_an_unknown_call_with_one_line(command: tuple[str, ...]) -> None:
    with pytest.raises(CommandError, match="No call with the slug 'nope'"):
        call_command(*command, "--call", "nope")


def test_aggregate_sync_then_export_ranks_every_proposal() -> None:
    _seed()
    call_command("aggregate_scores", "--call", "demo", "--sync", stdout=StringIO())
    out = StringIO()

    call_command("export_proposals", "--call", "demo", "--format", "json", stdout=out)

    rows = json.loads(out.getvalue())
    assert len(rows) == 12
    ranks = [r["calibrated"] for r in rows if r["calibrated"] is not None]
    assert ranks == sorted(ranks, reverse=True)
    assert set(rows[0]) >= {
        "code",
        "external_id",
        "title",
        "reviews",
        "mean",
        "median",
        "calibrated",
        "interval",
        "p_in_slots",
        "flags",
    }


def test_assign_reviewers_fills_gaps_and_a_second_run_adds_nothing() -> None:
    _seed()
    first = StringIO()
    second = StringIO()

    call_command("assign_reviewers", "--call", "demo", "--per-proposal", "3", stdout=first)
    call_command("assign_reviewers", "--call", "demo", "--per-proposal", "3", stdout=second)

    assert second.getvalue().startswith("0 new assignments.")


def test_the_seed_can_take_its_proposal_texts_from_elsewhere() -> None:
    # bench/ passes real talks this way; the texts are cycled, and redacted like any other.
    from django.utils import timezone

    from cfp import models as cfp_models
    from reviews.services import seed

    texts = [
        {"title": "First given title", "abstract": "First abstract.", "description": ""},
        {"title": "Second given title", "abstract": "Second abstract.", "description": "More."},
    ]
    seed.seed_demo(
        slug="given",
        proposals=3,
        reviewers=3,
        seed=1,
        now=timezone.now(),
        aggregate=False,
        proposal_texts=texts,
    )

    stored = list(
        cfp_models.Proposal.objects.filter(call__slug="given")
        .exclude(state="draft")  # the demo speaker's mentored drafts (issue 25)
        .order_by("external_id")
        .values_list("title", "abstract", "description")
    )
    assert stored == [
        ("First given title", "First abstract.", ""),
        ("Second given title", "Second abstract.", "More."),
        ("First given title", "First abstract.", ""),
    ]
