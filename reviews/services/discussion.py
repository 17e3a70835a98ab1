"""The committee's discussion of a proposal (issue 21): opening a thread, posting, the digest.

A thread is opened by a chair (audited) or automatically after an aggregation for proposals
whose reviewers disagree near the cut. A post is stored as written (its author reads that) and as
other members read it, with person-like names held back (``reviews.domain.discussion.check``).
The daily digest goes through the outbox, once per reviewer, call and day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import outbox
from cfp import queries as cfp_queries
from cfp.domain import leaks
from cfp.services import audit, personal_data
from reviews import models
from reviews.domain import discussion
from reviews.queries import discussion as queries
from reviews.queries import snapshot
from reviews.services import others_reviews

MAX_POST = 5000
OPENED_ACTION = "discussion.opened"
AUTOMATIC_REASON = "disagreement_near_cut"
CHAIR_REASON = "chair"


class UnableToPost(Exception):
    """The post cannot be saved; the message says why, for its writer."""


def _open(
    *, call_id: int, proposal_id: int, actor_id: int | None, reason: str, now: dt.datetime
) -> bool:
    try:
        with transaction.atomic():
            models.Thread.objects.create(
                call_id=call_id,
                proposal_id=proposal_id,
                opened_by_id=actor_id,
                reason=reason,
                opened_at=now,
            )
    except IntegrityError:  # open already (a double click, a second aggregation)
        return False
    return True


@transaction.atomic
def open_thread(*, call_id: int, proposal_id: int, actor_id: int, now: dt.datetime) -> bool:
    """A chair opens the proposal's discussion; False if it was open already."""
    opened = _open(
        call_id=call_id, proposal_id=proposal_id, actor_id=actor_id, reason=CHAIR_REASON, now=now
    )
    if opened:
        audit.record(
            call=cfp_models.Call.objects.get(pk=call_id),
            proposal=cfp_models.Proposal.objects.get(pk=proposal_id),
            action=OPENED_ACTION,
            actor_id=actor_id,
            data={"reason": CHAIR_REASON},
            now=now,
        )
    return opened


def open_disagreement_threads(*, call_id: int, now: dt.datetime) -> int:
    """Open a thread for every proposal of the newest snapshot flagged for disagreement near the
    cut (``reviews.domain.discussion.needs_discussion``); returns how many were opened."""
    run = snapshot.done_runs(call_id=call_id).first()
    if run is None:
        return 0
    slots = sum(cfp_models.Format.objects.filter(call_id=call_id).values_list("slots", flat=True))
    rows = models.ProposalScore.objects.filter(run=run).values_list(
        "proposal_id", "flags", "p_in_slots", "rank"
    )
    wanted = [
        pid
        for pid, flags, p, rank in rows
        if discussion.needs_discussion(flags=flags or (), p_in_slots=p, rank=rank, slots=int(slots))
    ]
    have = set(
        models.Thread.objects.filter(proposal_id__in=wanted).values_list("proposal_id", flat=True)
    )
    opened = 0
    call = cfp_models.Call.objects.get(pk=call_id)
    proposals = cfp_models.Proposal.objects.in_bulk([p for p in wanted if p not in have])
    for pid, proposal in proposals.items():
        with transaction.atomic():
            if _open(
                call_id=call_id, proposal_id=pid, actor_id=None, reason=AUTOMATIC_REASON, now=now
            ):
                opened += 1
                audit.record(
                    call=call,
                    proposal=proposal,
                    action=OPENED_ACTION,
                    actor_id=None,
                    data={"reason": AUTOMATIC_REASON},
                    now=now,
                )
    return opened


@transaction.atomic
def post(
    *,
    call_id: int,
    proposal_id: int,
    author_id: int,
    author_is_chair: bool,
    body: str,
    speakers: Sequence[leaks.SpeakerIdentity],
    now: dt.datetime,
) -> discussion.CheckedText:
    """Add a post to the proposal's open thread; returns what its writer must be told."""
    text = body.strip()
    if not text:
        raise UnableToPost(_("Write something first."))
    if len(text) > MAX_POST:
        raise UnableToPost(
            _("A post has at most %(n)s characters; this one has %(m)s.")
            % {"n": MAX_POST, "m": len(text)}
        )
    thread = models.Thread.objects.filter(call_id=call_id, proposal_id=proposal_id).first()
    if thread is None:
        raise UnableToPost(_("This proposal has no discussion yet: a chair opens it."))
    checked = discussion.check(text, speakers=speakers)
    models.Post.objects.create(
        thread=thread,
        author_id=author_id,
        author_is_chair=author_is_chair,
        body=text,
        shown=checked.shown,
        held_back=checked.held_back,
        created_at=now,
    )
    if not author_is_chair:
        # Writing in the discussion means having read it.
        others_reviews.mark_seen_others(proposal_id=proposal_id, reviewer_id=author_id, now=now)
    return checked


def read_thread(*, proposal_id: int, reviewer_id: int | None, now: dt.datetime) -> None:
    """A reviewer read the discussion: their independent scores are frozen (chairs: nothing)."""
    if reviewer_id is not None:
        others_reviews.mark_seen_others(proposal_id=proposal_id, reviewer_id=reviewer_id, now=now)


def _digest_body(*, call_name: str, items: Sequence[queries.DigestItem], site: str) -> str:
    lines = [
        _("New posts in the committee's discussion of %(call)s since yesterday:")
        % {"call": call_name},
        "",
    ]
    for item in items:
        url = site + reverse("reviews:discussion", kwargs={"slug": item.slug, "code": item.code})
        lines.append(
            _("- %(code)s: %(n)s new post(s) %(url)s")
            % {"code": item.code, "n": item.posts, "url": url}
        )
    lines += ["", _("You can turn this e-mail off in your settings.")]
    return "\n".join(lines)


def send_discussion_digests(*, now: dt.datetime, site: str = "") -> int:
    """Queue one digest per reviewer and call with new posts they may read since their last
    digest (at most one a day; opted-out reviewers get none). Returns how many were queued.

    A digest names proposals by code and counts posts: no post text, no names, so an e-mail
    forwarded by mistake carries nothing a reader of the page would not already be shown.
    """
    since = now - dt.timedelta(days=1)
    pending = queries.digest_items(since=since)
    per_person: dict[tuple[int, int], list[queries.DigestItem]] = defaultdict(list)
    for person in pending:
        per_person[(person.call_id, person.user_id)].append(person)
    queued = 0
    for (call_id, user_id), items in per_person.items():
        first = items[0]
        with transaction.atomic():
            stamp = (
                models.ReviewerSettings.objects.select_for_update()
                .filter(call_id=call_id, user_id=user_id)
                .first()
            )
            if stamp is not None and not stamp.discussion_digest:
                continue
            if (
                stamp is not None
                and stamp.discussion_digest_sent_at
                and stamp.discussion_digest_sent_at > since
            ):
                continue
            key = f"discussion-digest:{call_id}:{user_id}:{now.date().isoformat()}"
            if outbox.queue_email(
                key=key,
                to=first.email,
                subject=_("Committee discussion: %(call)s") % {"call": first.call_name},
                body=_digest_body(call_name=first.call_name, items=items, site=site),
                now=now,
            ):
                queued += 1
            models.ReviewerSettings.objects.update_or_create(
                call_id=call_id, user_id=user_id, defaults={"discussion_digest_sent_at": now}
            )
    return queued


def set_digest(*, call_id: int, user_id: int, enabled: bool, now: dt.datetime) -> None:
    """The reviewer's opt-out (or back in) of the call's daily discussion digest."""
    if cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=call_id, user_id=user_id
    ).exists():
        models.ReviewerSettings.objects.update_or_create(
            call_id=call_id, user_id=user_id, defaults={"discussion_digest": enabled}
        )


# --- personal data (registered in ReviewsConfig.ready) ----------------------------------------


def _export(user_id: int) -> dict[str, object]:
    return {
        "discussion_posts": [
            {"call": call, "proposal": code, "text": body, "created_at": at.isoformat()}
            for call, code, body, at in models.Post.objects.filter(author_id=user_id)
            .order_by("created_at", "pk")
            .values_list("thread__call__name", "thread__proposal__code", "body", "created_at")
        ]
    }


def _erase(user_id: int, now: dt.datetime) -> dict[str, int]:
    # Like review notes, posts stay with the anonymised account for the committee's record, but
    # only in the form other members read (names held back); what was typed beyond that goes.
    kept = models.Post.objects.filter(author_id=user_id)
    return {"discussion_posts_kept_anonymised": kept.update(body=F("shown"))}


def _purge_call(call_id: int, now: dt.datetime) -> dict[str, int]:
    # A finished call's discussions are the committee's working notes, not the programme record.
    return {
        "discussion_posts_dropped": models.Post.objects.filter(thread__call_id=call_id).delete()[0]
    }


PERSONAL_DATA = personal_data.Part(
    name="discussion", export=_export, erase=_erase, purge_call=_purge_call
)
