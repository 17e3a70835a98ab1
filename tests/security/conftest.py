"""Shared pieces of the security suite.

* :func:`security_world`: ``factories.world()`` plus one custom question of every kind, a
  reviewer invitation, a co-speaker invitation and an address confirmation (of a pending
  account) whose tokens the tests know, and a signed-in
  session per role, so every form of the site can be filled in validly.
* :func:`db_state`: a fingerprint of the whole database (row count and a checksum of the rows of
  every table), to prove that a refused request wrote nothing.
* :func:`protected_state` and :func:`protected_problems`: the columns no form may set (owners,
  privileges, roles, codes, states, versions), to prove that unknown keys in a POST are ignored.
* :func:`is_refusal`: whether a response says "no" (4xx, a form with errors, an error message).
* Hypothesis settings: 25 examples a test, 200 with ``CI=true``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.base import Message
from django.db import connection
from django.http import HttpResponseBase
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings

from cfp import models as cfp_models
from cfp import services as cfp_services
from reviews import models as review_models
from tests import factories
from tests.access import ROLES

# Hypothesis examples per fuzzed endpoint: 25 locally, 100 in CI, FUZZ_EXAMPLES for a deeper run.
# CI ran 200 when 34 endpoints were fuzzed; at 77 (about 0.1 s a form, each a real request that
# may run the assignment engine) that took 20 of CI's 30 minutes on a slow machine. 100 keeps
# CI's total (7,700 forms) above what it was then (6,800).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or (100 if os.environ.get("CI") == "true" else 25))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JOIN_TOKEN = "join-token-for-the-co-speaker-invite-0001"
INVITATION_TOKEN = "reviewer-invitation-token-for-otto-0001"
CONFIRM_TOKEN = "address-confirmation-token-for-pat-0001"
PENDING_EMAIL = "pat@example.org"


@dataclass
class SecurityWorld:
    """A call with a person in every role and one custom question of every kind."""

    base: factories.World
    questions: dict[str, int]
    sessions: dict[str, str]
    _clients: dict[str, Client] = field(default_factory=dict)
    # URL ids an endpoint's ``prepare`` made (the outbox's drafts), by URL parameter name;
    # without one the access table's id (no such row) is used.
    url_ids: dict[str, int] = field(default_factory=dict)

    @property
    def call(self) -> cfp_models.Call:
        return self.base.call

    @property
    def proposal(self) -> cfp_models.Proposal:
        return self.base.proposal

    @property
    def users(self) -> dict[str, Any]:
        return self.base.users

    def client(self, role: str) -> Client:
        """A client signed in as ``role`` with a session made once for the whole test.

        Its cookies are reset on every call: a logout in one example must not sign the next one
        out. The session row was made outside the examples' savepoints, so it survives each
        rollback. One client per role: a new client loads the middleware again (~0.1 s).
        """
        c = self._clients.setdefault(role, Client())
        c.cookies = SimpleCookie()
        if role != "anonymous":
            c.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return c

    def actor_id(self, role: str) -> int | None:
        return None if role == "anonymous" else int(self.users[role].pk)


QUESTION_KINDS: dict[str, dict[str, Any]] = {
    "short_text": {"visibility": "reviewers"},
    "long_text": {"visibility": "chairs"},
    "number": {"visibility": "chairs"},
    "url": {"visibility": "chairs"},
    "yes_no": {"visibility": "reviewers"},
    "choose_one": {"visibility": "reviewers", "choices": ["Red", "Blue"]},
    "choose_many": {"visibility": "chairs", "choices": ["Tea", "Coffee", "Water"]},
}


def security_world() -> SecurityWorld:
    w = factories.world()
    now = timezone.now()
    # The speaker names herself: the scanner has a finding for chairs to rule on.
    cfp_services.update_proposal(
        call_slug=w.call.slug,
        code=w.proposal.code,
        user_id=w.users["submitter"].pk,
        data=cfp_services.ProposalData(
            title="Making Django fast",
            abstract="Hi, I am Samira Quell. How we cut page times in half.",
            format_slug="talk",
            track_slug="web",
        ),
        now=now,
    )
    w.proposal.refresh_from_db()
    questions = {}
    for position, (kind, extra) in enumerate(QUESTION_KINDS.items()):
        q = cfp_models.Question.objects.create(
            call=w.call,
            label=f"Question {kind}",
            kind=kind,
            choices=extra.get("choices", []),
            visibility=extra["visibility"],
            position=position,
        )
        questions[kind] = q.pk
    # Otto may join Samira's talk and the committee: both links are valid for the whole test.
    cfp_models.CoSpeakerInvite.objects.create(
        proposal=w.proposal,
        email=w.users["other_submitter"].email,
        token_hash=cfp_services.token_hash(JOIN_TOKEN),
        invited_by=w.users["submitter"],
        created_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    review_models.Invitation.objects.create(
        call=w.call,
        email=w.users["other_submitter"].email,
        token_hash=cfp_services.token_hash(INVITATION_TOKEN),
        invited_by=w.users["chair"],
        created_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    # Pat signed up and has not opened the confirmation link yet.
    pending = get_user_model().objects.create_user(
        username=PENDING_EMAIL, email=PENDING_EMAIL, password=None, is_active=False
    )
    cfp_models.EmailVerification.objects.create(
        user=pending,
        token_hash=cfp_services.token_hash(CONFIRM_TOKEN),
        created_at=now,
        expires_at=now + dt.timedelta(days=3),
    )
    sessions = {}
    for role in ROLES:
        if role == "anonymous":
            continue
        c = Client()
        c.force_login(w.users[role])
        sessions[role] = c.cookies[django_settings.SESSION_COOKIE_NAME].value
    return SecurityWorld(base=w, questions=questions, sessions=sessions)


# --- the database fingerprint ---------------------------------------------------------------

# Sessions change with every message a view queues; they hold no application data.
VOLATILE_TABLES = frozenset({"django_session"})


@functools.cache
def _tables(vendor: str, name: str) -> tuple[str, ...]:
    # Keyed by the database so a suite run on another backend never reuses a stale list.
    return tuple(sorted(connection.introspection.table_names()))


def tables() -> tuple[str, ...]:
    return tuple(
        t
        for t in _tables(connection.vendor, str(connection.settings_dict["NAME"]))
        if t not in VOLATILE_TABLES
    )


def db_state() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of all its rows (every column)."""
    if connection.vendor == "postgresql":
        return _db_state_in_one_query()
    out: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in tables():
            # Table names come from the database's own catalogue, never from input.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
            out[table] = (len(rows), digest)
    return out


@functools.cache
def _state_query(names: tuple[str, ...]) -> str:
    # Table names come from the database's own catalogue, never from input.
    return " UNION ALL ".join(
        f"SELECT %s, count(*), coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r::text)), '')"  # noqa: S608
        f" FROM {connection.ops.quote_name(table)} AS r"
        for table in names
    )


def _db_state_in_one_query() -> dict[str, tuple[int, str]]:
    """The same state on PostgreSQL, in one round trip: each row as the database writes it as
    text (every column), sorted, hashed there. The fuzzers take it after every example, and a
    query per table was a large part of each example on PostgreSQL."""
    names = tables()
    if not names:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_state_query(names), names)
        return {table: (int(count), str(digest)) for table, count, digest in cursor.fetchall()}


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> str:
    return ", ".join(
        f"{t} ({before.get(t, (0, ''))[0]} → {after.get(t, (0, ''))[0]} rows)"
        for t in sorted(set(before) | set(after))
        if before.get(t) != after.get(t)
    )


# --- what no form may set ---------------------------------------------------------------------


@dataclass(frozen=True)
class Protected:
    users: dict[int, tuple[Any, ...]]
    memberships: frozenset[tuple[int, int | None, str]]
    proposals: dict[int, tuple[Any, ...]]
    calls: dict[int, tuple[Any, ...]]
    speakers: dict[int, tuple[Any, ...]]
    reviews: frozenset[tuple[int, int, int]]


def protected_state() -> Protected:
    return Protected(
        users={
            pk: tuple(rest)
            for pk, *rest in get_user_model().objects.values_list(
                "pk", "username", "is_staff", "is_superuser", "is_active", "email"
            )
        },
        memberships=frozenset(
            cfp_models.Membership.objects.values_list("call_id", "user_id", "role")
        ),
        proposals={
            pk: tuple(rest)
            for pk, *rest in cfp_models.Proposal.objects.values_list(
                "pk",
                "code",
                "call_id",
                "owner_id",
                "submission_token",
                "state",
                "version",
                "published_decision",
            )
        },
        calls={
            pk: tuple(rest)
            for pk, *rest in cfp_models.Call.objects.values_list(
                "pk", "slug", "identities_revealed_at", "archived_at"
            )
        },
        speakers={
            pk: tuple(rest)
            for pk, *rest in cfp_models.Speaker.objects.values_list("pk", "user_id", "email")
        },
        reviews=frozenset(
            review_models.Review.objects.values_list("call_id", "proposal_id", "reviewer_id")
        ),
    )


# What an endpoint may legitimately change among the protected columns.
MAY_SIGN_UP = "sign_up"  # new inactive, unprivileged users
MAY_SUBMIT = "submit"  # new proposals owned by the actor in the world's call
MAY_EDIT = "edit"  # a proposal's version goes up by one
MAY_WITHDRAW = "withdraw"  # a proposal's state becomes "withdrawn"
MAY_JOIN_COMMITTEE = "join_committee"  # the actor becomes a reviewer
MAY_REVEAL = "reveal"  # the call's identities_revealed_at is set
MAY_REVIEW = "review"  # a review row of the actor
MAY_LOG_IN = "log_in"  # the login form may succeed (nothing protected changes)
MAY_CONFIRM = "confirm"  # a pending account becomes active (and nothing else of it changes)
# The actor's own account is scrubbed into an inactive placeholder, and their speaker row's
# address replaced (issue 17: deleting one's account; open proposals go with MAY_WITHDRAW).
MAY_ERASE = "erase"
MAY_PURGE = "purge"  # an archived call's proposals lose their submission tokens (issue 17)
# A chair's group send from the outbox publishes the decision the chairs took (issue 19).
MAY_PUBLISH = "publish"
# Issue 19: a chair removes a reviewer of the world's call (their membership goes), and staff
# create a call (a new call, chaired by the actor and, for a copy, the earlier call's chairs).
MAY_REMOVE_REVIEWER = "remove_reviewer"
MAY_CREATE_CALL = "create_call"
# Issue 25: a reviewer of the world's call volunteers as one of its mentors (a mentor
# membership of the actor in that call, nothing else).
MAY_VOLUNTEER_AS_MENTOR = "volunteer_as_mentor"


def _erased(after: tuple[Any, ...]) -> bool:
    """The row became an erased placeholder: renamed, no address, inactive, unprivileged."""
    username, is_staff, is_superuser, is_active, email = after
    return (
        username.startswith("erased-")
        and email == ""
        and not (is_staff or is_superuser or is_active)
    )


def _confirmed(before: tuple[Any, ...], after: tuple[Any, ...]) -> bool:
    """Only ``is_active`` changed, from False to True (the row: username, is_staff,
    is_superuser, is_active, email)."""
    unchanged = before[:3] + before[4:] == after[:3] + after[4:]
    return unchanged and (before[3], after[3]) == (False, True)


def protected_problems(
    before: Protected,
    after: Protected,
    *,
    actor_id: int | None,
    call_id: int,
    allowed: frozenset[str],
) -> list[str]:
    """Every change to a protected column that the endpoint has no business making."""
    problems: list[str] = []
    for pk, row in before.users.items():
        now_row = after.users.get(pk)
        if now_row is None:
            problems.append(f"user {pk} was deleted")
        elif (
            now_row != row
            and not (MAY_CONFIRM in allowed and _confirmed(row, now_row))
            and not (MAY_ERASE in allowed and pk == actor_id and _erased(now_row))
        ):
            problems.append(f"user {pk} changed: {row} → {now_row}")
    for pk in set(after.users) - set(before.users):
        username, is_staff, is_superuser, is_active, _email = after.users[pk]
        if MAY_SIGN_UP not in allowed:
            problems.append(f"user {pk} ({username}) was created")
        elif is_staff or is_superuser or is_active:
            problems.append(f"user {pk} ({username}) was created with privileges or active")
    removed = before.memberships - after.memberships
    if MAY_REMOVE_REVIEWER in allowed:
        removed = frozenset(m for m in removed if not (m[0] == call_id and m[2] == "reviewer"))
    if removed:
        problems.append(f"memberships removed: {sorted(removed)}")
    added = after.memberships - before.memberships
    legit = {(call_id, actor_id, "reviewer")} if MAY_JOIN_COMMITTEE in allowed else set()
    if MAY_VOLUNTEER_AS_MENTOR in allowed:
        legit.add((call_id, actor_id, "mentor"))
    new_calls = set(after.calls) - set(before.calls)
    if MAY_CREATE_CALL in allowed:
        legit |= {m for m in added if m[0] in new_calls and m[2] == "chair"}
    if added - legit:
        problems.append(f"memberships added: {sorted(added - legit)}")
    for pk, (code, call, owner, token, state, version, published) in before.proposals.items():
        now_p = after.proposals.get(pk)
        if now_p is None:
            problems.append(f"proposal {code} was deleted")
            continue
        n_code, n_call, n_owner, n_token, n_state, n_version, n_published = now_p
        if MAY_PURGE in allowed and n_token is None:
            n_token = token  # the purge drops submission tokens
        if MAY_PUBLISH in allowed and n_published != published:
            decided = review_models.Decision.objects.filter(proposal_id=pk).values_list(
                "status", flat=True
            )
            if n_published in decided:
                n_published = published  # the decision the chairs took, now published
        if (n_code, n_call, n_owner, n_token, n_published) != (code, call, owner, token, published):
            problems.append(f"proposal {code}: owner, call, code or decision changed: {now_p}")
        if n_state != state and not (MAY_WITHDRAW in allowed and n_state == "withdrawn"):
            problems.append(f"proposal {code}: state {state} → {n_state}")
        if n_version != version and not (MAY_EDIT in allowed and n_version == version + 1):
            problems.append(f"proposal {code}: version {version} → {n_version}")
    for pk in set(after.proposals) - set(before.proposals):
        code, call, owner, _token, state, version, published = after.proposals[pk]
        ok = (call, owner, state, version, published) == (call_id, actor_id, "submitted", 1, "")
        if MAY_SUBMIT not in allowed or not ok:
            problems.append(f"proposal {code} was created: {after.proposals[pk]}")
    for pk, (slug, revealed_at, archived_at) in before.calls.items():
        n_slug, n_revealed, n_archived = after.calls.get(pk, (None, None, None))
        if (n_slug, n_archived) != (slug, archived_at):
            problems.append(f"call {slug}: slug or archive changed")
        if n_revealed != revealed_at and not (MAY_REVEAL in allowed and pk == call_id):
            problems.append(f"call {slug}: identities revealed")
    if set(before.calls) - set(after.calls) or (new_calls and MAY_CREATE_CALL not in allowed):
        problems.append("calls were created or deleted")
    for pk, row in before.speakers.items():
        now_s = after.speakers.get(pk)
        erased = now_s is not None and str(now_s[1]).endswith("@erased.invalid")
        if (
            MAY_ERASE in allowed
            and now_s is not None
            and erased
            and row[0] == actor_id
            and now_s == (row[0], now_s[1])
        ):
            continue
        if now_s != row:
            problems.append(f"speaker {pk}: user or e-mail changed: {after.speakers.get(pk)}")
    for pk in set(after.speakers) - set(before.speakers):
        if after.speakers[pk][0] != actor_id:
            problems.append(f"speaker {pk} created for someone else: {after.speakers[pk]}")
    if not before.reviews <= after.reviews:
        problems.append("reviews were deleted")
    for call, proposal, reviewer in after.reviews - before.reviews:
        if MAY_REVIEW not in allowed or reviewer != actor_id or call != call_id:
            problems.append(f"review of proposal {proposal} by user {reviewer} was created")
    return problems


# --- reading responses ------------------------------------------------------------------------

_ALERT = re.compile(
    r"<[a-z]+\s[^>]*class=\"[^\"]*\berror\b[^\"]*\"[^>]*role=\"alert\"|"
    r"<[a-z]+\s[^>]*role=\"alert\"[^>]*class=\"[^\"]*\berror\b"
)


def body(response: HttpResponseBase) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return bytes(response.content).decode(errors="replace")  # type: ignore[attr-defined]


def queued_messages(response: HttpResponseBase) -> list[Message]:
    request = getattr(response, "wsgi_request", None)
    storage = getattr(request, "_messages", None)
    return list(getattr(storage, "_queued_messages", []))


def is_refusal(response: HttpResponseBase) -> bool:
    """A 4xx, a page or fragment with an error alert, or a redirect carrying an error message."""
    if response.status_code >= 400:
        return True
    if any(m.level >= messages.ERROR for m in queued_messages(response)):
        return True
    if response.status_code == 200 and not getattr(response, "streaming", False):
        return bool(_ALERT.search(body(response)))
    return False
