"""Every form of the site, fuzzed through the test client with valid and hostile input.

The endpoints are the access table's rows that accept a POST from someone; a new one fails
:func:`test_every_post_endpoint_of_the_access_table_is_fuzzed` until it is described here.
Each is posted to as a role allowed to use it, with fields that are valid, hostile (100,000
characters, NUL bytes, right-to-left overrides, lone surrogates and invalid UTF-8 sent as raw
bytes, numbers that are not numbers), missing, repeated, and with unknown keys that name
protected columns (``owner``, ``is_staff``, ``state``, ``version``, ``call``, ``id`` …).

Per example: no 500; no protected column changes beyond what the endpoint is for; and when the
answer is a refusal, the database is exactly as before (every table's rows, checksummed). Each
example runs in a savepoint that is rolled back, so every example starts from the same state.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cfp import models as cfp_models
from cfp.domain.visibility import Phase
from cfp.forms import call_translations as translation_forms
from cfp.queries import call_translations as translation_queries
from diversity import queries as diversity_queries
from diversity import services as diversity_services
from reviews import models as review_models
from reviews.services import api_tokens, bulk_decisions, decision_emails, outbox_review
from reviews.services import discussion as discussion_services
from tests import access, factories
from tests.access import merged
from tests.security.conftest import (
    CONFIRM_TOKEN,
    EXAMPLES,
    FUZZ,
    INVITATION_TOKEN,
    JOIN_TOKEN,
    MAY_CONFIRM,
    MAY_CREATE_CALL,
    MAY_EDIT,
    MAY_ERASE,
    MAY_JOIN_COMMITTEE,
    MAY_LOG_IN,
    MAY_PUBLISH,
    MAY_PURGE,
    MAY_REMOVE_REVIEWER,
    MAY_REVEAL,
    MAY_REVIEW,
    MAY_SIGN_UP,
    MAY_SUBMIT,
    MAY_VOLUNTEER_AS_MENTOR,
    MAY_WITHDRAW,
    Protected,
    SecurityWorld,
    changed_tables,
    db_state,
    is_refusal,
    protected_problems,
    protected_state,
    security_world,
)
from tests.test_access import _names

pytestmark = pytest.mark.django_db

Value = str | bytes
PASSPHRASE = "A-long-passphrase-42"
TABLE_TOKEN = "not-a-valid-token"  # the token tests/test_access.py puts in URLs
Form = list[tuple[str, Value]]
Fields = dict[str, st.SearchStrategy[str]]

# --- hostile values ---------------------------------------------------------------------------

HOSTILE: tuple[Value, ...] = (
    "A" * 100_000,
    "é" * 100_000,
    "\u202e" * 100_000,
    "\x00",
    "a title\x00with a NUL",
    "\u202egnp.exe",
    "\u200f\u202bright to left\u202c",
    "\ud800",
    "lone \udfff surrogate",
    b"\xff\xfe\xfd",
    b"\xc3\x28 broken UTF-8",
    b"\xed\xa0\x80",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    '"; DROP TABLE cfp_proposal; --',
    "-1",
    "0",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "9" * 400,
    "1" + "0" * 30,
    "٣",
    "１２",
    "½",
    "",
    " ",
    "\t\r\n",
    "Subject\r\nBcc: x@example.org",
    "{{ 7*7 }}",
    "{call.__class__}",
    "%s%s%n",
    "../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "true",
    "on",
    "[]",
    "{}",
    "null",
)
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.binary(max_size=64),
)

# Keys that name protected columns; a form must ignore every one of them.
MASS_KEYS = (
    "owner",
    "owner_id",
    "is_staff",
    "is_superuser",
    "is_active",
    "state",
    "version",
    "call",
    "call_id",
    "id",
    "pk",
    "code",
    "user",
    "user_id",
    "role",
    "slug",
    "reviewer",
    "proposal",
    "submission_token",
    "published_decision",
    "identities_revealed_at",
    "redacted",
    "username",
)
MASS_VALUES = ("1", "2", "3", "99", "true", "on", "withdrawn", "chair", "staff", "accepted", "x")


def text(max_length: int = 80) -> st.SearchStrategy[str]:
    return st.text(max_size=min(max_length, 80))


def choice(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(values)


def integer(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(str)


# --- the endpoints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One POST endpoint: who may use it, its fields and one valid submission."""

    name: str
    role: str
    fields: Callable[[SecurityWorld], Fields]
    valid: Callable[[SecurityWorld], Mapping[str, str | Sequence[str]]]
    allowed: frozenset[str] = frozenset()
    token: str = TABLE_TOKEN
    # Puts the world in the state the endpoint needs (before the baseline is taken).
    prepare: Callable[[SecurityWorld], None] | None = None


def _q(w: SecurityWorld, kind: str) -> str:
    return f"q_{w.questions[kind]}"


def proposal_fields(w: SecurityWorld) -> Fields:
    return {
        "title": text(250),
        "abstract": text(3000),
        "description": text(20000),
        "notes": text(5000),
        "format": choice("talk"),
        "track": choice("", "web", "data"),
        "level": choice("beginner", "intermediate", "advanced"),
        "language": choice("en", "es"),
        "token": text(64),
        _q(w, "short_text"): text(300),
        _q(w, "long_text"): text(5000),
        _q(w, "number"): st.floats(allow_nan=False, allow_infinity=False).map(str),
        _q(w, "url"): choice("https://example.org/slides", "http://example.com/"),
        _q(w, "yes_no"): choice("yes", "no"),
        _q(w, "choose_one"): choice("Red", "Blue"),
        _q(w, "choose_many"): choice("Tea", "Coffee", "Water"),
    }


def proposal_valid(w: SecurityWorld) -> dict[str, str | list[str]]:
    return {
        "title": "Async views in practice",
        "abstract": "What changes when views are async.",
        "description": "An *outline*.",
        "notes": "",
        "format": "talk",
        "track": "web",
        "level": "beginner",
        "language": "en",
        "token": uuid.uuid4().hex,
        _q(w, "short_text"): "Short",
        _q(w, "long_text"): "Longer words",
        _q(w, "number"): "3.5",
        _q(w, "url"): "https://example.org/slides",
        _q(w, "yes_no"): "yes",
        _q(w, "choose_one"): "Red",
        _q(w, "choose_many"): ["Tea", "Water"],
    }


def _row_fields(section: str, names: Fields) -> Callable[[SecurityWorld], Fields]:
    def fields(w: SecurityWorld) -> Fields:
        ids = [str(i) for i in _row_ids(w, section)]
        out: Fields = {"row": choice("", *ids), "action": choice("save", "delete", "")}
        for prefix in ("new", *ids[:1]):
            for name, strategy in names.items():
                out[f"{section}-{prefix}-{name}"] = strategy
        return out

    return fields


def _row_ids(w: SecurityWorld, section: str) -> list[int]:
    model: Any = {
        "formats": cfp_models.Format,
        "tracks": cfp_models.Track,
        "criteria": cfp_models.Criterion,
        "questions": cfp_models.Question,
    }[section]
    return list(model.objects.filter(call=w.call).order_by("pk").values_list("pk", flat=True))


def _target_groups(w: SecurityWorld) -> tuple[str, ...]:
    page = diversity_queries.report_page(
        call_id=w.call.pk, phase=Phase(chairs_blind=True, identities_revealed=False)
    )
    return tuple(value for value, _label in page.target_choices) or ("gender:woman",)


def _first_finding(w: SecurityWorld) -> dict[str, str]:
    finding = w.proposal.findings[0]
    return {"field": finding["field"], "start": str(finding["start"]), "end": str(finding["end"])}


def _speaker_link(w: SecurityWorld) -> str:
    return str(cfp_models.ProposalSpeaker.objects.filter(proposal=w.proposal).first().pk)  # type: ignore[union-attr]


def _invite_id(w: SecurityWorld) -> str:
    return str(cfp_models.CoSpeakerInvite.objects.filter(proposal=w.proposal).first().pk)  # type: ignore[union-attr]


CRITERION: Fields = {
    "slug": choice("relevance", "depth", "new-one"),
    "name": text(100),
    "guidance": text(2000),
    "minimum": integer(-100, 100),
    "maximum": integer(-100, 100),
    "weight": st.floats(-10, 10).map(str),
    "position": integer(0, 1000),
}
QUESTION: Fields = {
    "label": text(300),
    "help_text": text(500),
    "kind": choice(*cfp_models.QuestionKind.values),
    "choices": choice("A\nB", "", "One"),
    "target": choice(*cfp_models.QuestionTarget.values),
    "visibility": choice(*cfp_models.QuestionVisibility.values),
    "required": choice("on", ""),
    "position": integer(0, 1000),
}
SELF_ID_VALUES = ("", "woman", "man", "non_binary", "self_describe", "prefer_not_to_say")


def _with_drafts(w: SecurityWorld) -> None:
    """Decision drafts in the chairs' outbox: the world's proposal accepted (its draft waits),
    the other one rejected, and the reviewer's feedback on the first waiting for moderation."""
    now = timezone.now()
    other = cfp_models.Proposal.objects.filter(call=w.call).exclude(pk=w.proposal.pk).get()
    bulk_decisions.decide_proposals(
        call=w.call.pk,
        chair=w.users["chair"].pk,
        changes=[
            bulk_decisions.Change(w.proposal.code, "accepted"),
            bulk_decisions.Change(other.code, "rejected"),
        ],
        now=now,
    )
    review = review_models.Review.objects.create(
        proposal=w.proposal,
        reviewer=w.users["reviewer"],
        call=w.call,
        scores={"relevance": 4, "clarity": 3},
        feedback="Tighten the middle part.",
        created_at=now,
        updated_at=now,
    )
    outbox_review.generate_drafts(call_id=w.call.pk, actor_id=w.users["chair"].pk, now=now)
    waiting = review_models.DecisionDraft.objects.get(call=w.call, status="accepted")
    w.url_ids.update(draft_id=waiting.pk, review=review.pk)


def _accepted(w: SecurityWorld) -> None:
    """The world's proposal accepted and its speakers told (issue 19: they may answer)."""
    cfp_models.Proposal.objects.filter(pk=w.proposal.pk).update(
        published_decision="accepted", decision_sent_at=timezone.now()
    )
    w.proposal.refresh_from_db()


def _with_notice(w: SecurityWorld) -> None:
    """A decline the chairs have not dismissed yet."""
    _accepted(w)
    notice = cfp_models.ChairNotice.objects.create(
        call=w.call, proposal=w.proposal, kind="declined", created_at=timezone.now()
    )
    w.url_ids["notice_id"] = notice.pk


def _with_api_token(w: SecurityWorld) -> None:
    """A live API token of the chair's (issue 20), for the revocation."""
    made = api_tokens.create_api_token(
        call_id=w.call.pk,
        username=w.users["chair"].username,
        scopes=("read",),
        label="fuzz",
        actor_id=w.users["chair"].pk,
        now=timezone.now(),
    )
    w.url_ids["token_id"] = made.token_id


def _with_invitation(w: SecurityWorld) -> None:
    """A pending reviewer invitation of the world's call (issue 19: resend, withdraw)."""
    w.url_ids["invitation_id"] = review_models.Invitation.objects.create(
        call=w.call,
        email="invitee@example.net",
        token_hash="f" * 64,
        created_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=3),
    ).pk


def _with_row(section: str) -> Callable[[SecurityWorld], None]:
    """A settings row of the world's call nothing uses, for its delete confirmation."""

    def prepare(w: SecurityWorld) -> None:
        if section == "formats":
            row: Any = cfp_models.Format.objects.create(call=w.call, slug="spare", name="Spare")
        elif section == "tracks":
            row = cfp_models.Track.objects.create(call=w.call, slug="spare", name="Spare")
        elif section == "criteria":
            # Scored reviews refuse any deletion; the world's are removed for a valid path.
            review_models.Review.objects.filter(call=w.call).delete()
            row = cfp_models.Criterion.objects.create(call=w.call, slug="spare", name="Spare")
        else:
            row = cfp_models.Question.objects.create(call=w.call, label="Spare?", kind="yes_no")
        w.url_ids["row_id"] = row.pk

    return prepare


def _new_call_fields(w: SecurityWorld) -> Fields:
    return {
        "name": text(200),
        "slug": choice("next-2099", "", "pycon", "x" * 80, "a b"),
        "timezone": choice("UTC", "Europe/Madrid", "Mars/Olympus", ""),
        "opens_at": choice("2099-01-01T09:00", "", "yesterday", "2099-13-01T09:00"),
        "closes_at": choice("2099-02-01T09:00", "", "2098-01-01T09:00"),
        "review_deadline_at": choice("", "2099-03-01T09:00", "2098-01-01T09:00"),
        "languages": choice("en", "es", "xx", ""),
        "reviews_per_proposal": integer(-5, 50),
        "formats": text(500),
        "tracks": text(500),
        "criteria": text(500),
    }


def _with_queued_draft(w: SecurityWorld) -> None:
    """As ``_with_drafts``, with the rejected group sent: its draft is queued, so resendable."""
    _with_drafts(w)
    queued = outbox_review.send_group(
        call_id=w.call.pk,
        status="rejected",
        expected=1,
        actor_id=w.users["chair"].pk,
        now=timezone.now(),
    )
    assert queued == 1
    # The worker's part: the test's transaction never commits, so the task asked for on commit
    # never runs; without it the draft has no outbox message to send again.
    decision_emails.send_decisions(call_id=w.call.pk, now=timezone.now())
    sent = review_models.DecisionDraft.objects.get(call=w.call, status="rejected")
    w.url_ids["draft_id"] = sent.pk


def _with_thread(w: SecurityWorld) -> None:
    """The world's proposal's discussion, opened by its chair (issue 21)."""
    discussion_services.open_thread(
        call_id=w.call.pk,
        proposal_id=w.proposal.pk,
        actor_id=w.users["chair"].pk,
        now=timezone.now(),
    )


def _with_review_and_thread(w: SecurityWorld) -> None:
    """As ``_with_thread``, with the assigned reviewer's own review in: they may post."""
    now = timezone.now()
    review_models.Review.objects.create(
        proposal=w.proposal,
        reviewer=w.users["reviewer"],
        call=w.call,
        scores={"relevance": 4, "clarity": 3},
        created_at=now,
        updated_at=now,
    )
    _with_thread(w)


def _with_tags(w: SecurityWorld) -> None:
    """Two tags of the world's call, and one of the other call (a chair of this one must not
    be able to put it on a proposal)."""
    now = timezone.now()
    for key, call, name in (
        ("tag", w.call, "keynote candidate"),
        ("tag_b", w.call, "beginner friendly"),
        ("other_tag", w.base.other_call, "other call's tag"),
    ):
        w.url_ids[key] = review_models.Tag.objects.create(
            call=call, name=name, reviewer_visible=key == "tag_b", created_at=now
        ).pk


def _signed_in_as(w: SecurityWorld, role: str, user: Any) -> None:
    """A role the world has no session for: its user signs in once, before the baseline."""
    c = Client()
    c.force_login(user)
    w.users[role] = user
    w.sessions[role] = c.cookies[django_settings.SESSION_COOKIE_NAME].value


def _with_mentoring_request(w: SecurityWorld) -> None:
    """Issue 25: the world's speaker asked for a mentor, and the call has one (not matched)."""
    mentor = factories.user("menno", first_name="Menno Mentor")
    factories.member(w.call, mentor, "mentor")
    cfp_models.MentoringRequest.objects.create(
        proposal=w.proposal, asked_by=w.users["submitter"], asked_at=timezone.now()
    )
    w.url_ids["mentor"] = mentor.pk
    _signed_in_as(w, "mentor", mentor)


def _with_mentor(w: SecurityWorld) -> None:
    """As ``_with_mentoring_request``, the mentor matched, with an open suggestion on the world's
    proposal and one on the other speaker's (whose id the world's speaker must not use)."""
    _with_mentoring_request(w)
    now = timezone.now()
    cfp_models.MentorMatch.objects.create(
        proposal=w.proposal, mentor_id=w.url_ids["mentor"], matched_at=now
    )
    other = cfp_models.Proposal.objects.filter(call=w.call).exclude(pk=w.proposal.pk).get()
    for key, proposal, original in (
        ("suggestion", w.proposal, "cut page times"),
        ("other_suggestion", other, "Other"),
    ):
        w.url_ids[key] = cfp_models.MentoringSuggestion.objects.create(
            proposal=proposal,
            author_id=w.url_ids["mentor"],
            original=original,
            replacement="halved page times",
            created_at=now,
        ).pk


def _reviewers_may_mentor(w: SecurityWorld) -> None:
    cfp_models.Call.objects.filter(pk=w.call.pk).update(reviewers_may_mentor=True)


def _translation_fields(w: SecurityWorld) -> Fields:
    editor = translation_queries.editor(call_id=w.call.pk)
    fields: Fields = {"main_language": choice(*editor.accepted, "fr", "xx", "")}
    for language in editor.languages:
        for t in editor.texts:
            # One over each text's limit, as well as anything shorter.
            limit = translation_forms.MAX_LENGTH[t.key.rsplit("-", 1)[-1]]
            fields[translation_forms.field_name(language, t.key)] = st.one_of(
                text(limit), st.just("x" * (limit + 1))
            )
    return fields


def _ids(w: SecurityWorld, *keys: str) -> tuple[str, ...]:
    """The prepared rows' ids, then ids that are nobody's (negative, zero, huge, not a number)."""
    return (*(str(w.url_ids[k]) for k in keys), "-1", "0", str(2**40), "x")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "login",
        "anonymous",
        lambda w: {
            "username": choice("sam", "chad", ""),
            "password": choice(factories.PASSWORD, "wrong"),
            "next": choice("/calls/pycon/", "https://evil.example/", ""),
        },
        lambda w: {"username": "sam", "password": factories.PASSWORD, "next": "/"},
        allowed=frozenset({MAY_LOG_IN}),
    ),
    Endpoint(
        "logout",
        "submitter",
        lambda w: {"next": choice("/", "https://evil.example/")},
        lambda w: {},
    ),
    Endpoint(
        "signup",
        "anonymous",
        lambda w: {
            "name": text(150),
            "email": choice("new@example.org", "sam@example.org", "not-an-address"),
            "password": choice("A-long-passphrase-42", "123"),
            "next": choice("/review/pycon/", "https://evil.example/", ""),
        },
        lambda w: {
            "name": "Nina New",
            "email": "nina@example.org",
            "password": "A-long-passphrase-42",
            "next": "/calls/pycon/",
        },
        allowed=frozenset({MAY_SIGN_UP}),
    ),
    Endpoint(
        "verify_email",
        "anonymous",
        lambda w: {
            "name": text(150),
            "password1": choice("A-long-passphrase-42", "123"),
            "password2": choice("A-long-passphrase-42", "other-passphrase-42"),
        },
        lambda w: {
            "name": "Pat Pending",
            "password1": "A-long-passphrase-42",
            "password2": "A-long-passphrase-42",
        },
        allowed=frozenset({MAY_CONFIRM}),
        token=CONFIRM_TOKEN,
    ),
    # Deleting one's account (issue 17): the password and the ticked box, or nothing happens.
    Endpoint(
        "delete_account",
        "submitter",
        lambda w: {"password": choice(factories.PASSWORD, "wrong"), "confirm": choice("on", "")},
        lambda w: {"password": factories.PASSWORD, "confirm": "on"},
        allowed=frozenset({MAY_ERASE, MAY_WITHDRAW}),
    ),
    # A chair purges the call's personal data once it is archived (prepared here), typing its
    # short name to confirm.
    Endpoint(
        "purge_call",
        "chair",
        lambda w: {"confirm": choice(w.call.slug, "", "other", w.call.slug.upper())},
        lambda w: {"confirm": w.call.slug},
        allowed=frozenset({MAY_PURGE}),
        prepare=lambda w: _archive(w.call),
    ),
    Endpoint(
        "password_reset",
        "anonymous",
        lambda w: {"email": choice("sam@example.org", "nobody@example.org")},
        lambda w: {"email": "sam@example.org"},
    ),
    Endpoint(
        "password_reset_confirm",
        "anonymous",
        lambda w: {"new_password1": text(), "new_password2": text()},
        # The link in the URL is not valid: the page says so and ignores the form.
        lambda w: {"new_password1": PASSPHRASE, "new_password2": PASSPHRASE},
    ),
    Endpoint(
        "profile",
        "submitter",
        lambda w: {
            "name": text(200),
            "bio": text(2000),
            "affiliation": text(200),
            "links": choice("https://example.org/me", "ftp://x", "https://a.example\nhttps://b.ex"),
            "region": text(100),
            "spoken_before": choice("", "yes", "no"),
            "english_additional": choice("", "yes", "no"),
            "wants_mentor": choice("", "yes", "no"),
        },
        lambda w: {
            "name": "Samira Quell",
            "bio": "Speaks on caching.",
            "affiliation": "Example Ltd",
            "links": "https://example.org/me",
            "region": "Europe",
            "spoken_before": "no",
            "english_additional": "yes",
            "wants_mentor": "",
        },
    ),
    Endpoint("cfp:submit", "submitter", proposal_fields, proposal_valid, frozenset({MAY_SUBMIT})),
    # The withdraw question's POST withdraws; whatever else is posted is ignored.
    Endpoint(
        "cfp:withdraw",
        "submitter",
        lambda w: {"action": choice("", "withdraw", "undo_withdrawal"), "state": text(20)},
        lambda w: {},
        frozenset({MAY_WITHDRAW}),
    ),
    # An accepted speaker answers (issue 19); whatever else is posted is ignored.
    Endpoint(
        "cfp:confirm",
        "submitter",
        lambda w: {"answer": choice("", "declined", "maybe"), "confirmation": text(20)},
        lambda w: {},
        prepare=_accepted,
    ),
    Endpoint(
        "cfp:decline",
        "submitter",
        lambda w: {"answer": choice("", "confirmed", "maybe"), "confirmation": text(20)},
        lambda w: {},
        prepare=_accepted,
    ),
    Endpoint("chair:notice_dismiss", "chair", lambda w: {}, lambda w: {}, prepare=_with_notice),
    # The reviewer's settings page: the e-mail section and the call's reviewing section.
    Endpoint(
        "settings",
        "reviewer",
        lambda w: {
            "section": choice("mail", f"review-{w.call.slug}", "review-other", "", "x" * 300),
            "mail-decision_mail": choice("on", "", "off"),
            "mail-reviewer_reminders": choice("on", ""),
            f"review-{w.call.slug}-languages": choice("en", "es", "fr", ""),
            f"review-{w.call.slug}-tracks": choice("web", "data", "nope"),
            f"review-{w.call.slug}-max_load": integer(-5, 5000),
        },
        lambda w: {
            "section": f"review-{w.call.slug}",
            f"review-{w.call.slug}-languages": ["en"],
            f"review-{w.call.slug}-max_load": "10",
        },
    ),
    Endpoint(
        "cfp:scan",
        "submitter",
        lambda w: {
            "title": text(250),
            "abstract": text(3000),
            "description": text(20000),
            "notes": text(5000),
            "code": choice(w.proposal.code, "", "ZZZZZZ"),
            _q(w, "short_text"): text(5000),
        },
        lambda w: {"title": "Hi, I am Samira Quell", "abstract": "x", "code": w.proposal.code},
    ),
    Endpoint(
        "cfp:mine_detail",
        "submitter",
        lambda w: {**proposal_fields(w), "action": choice("", "save", "withdraw")},
        proposal_valid,
        frozenset({MAY_EDIT, MAY_WITHDRAW}),
    ),
    Endpoint(
        "cfp:speakers",
        "submitter",
        lambda w: {
            "action": choice("invite", "revoke", "remove"),
            "email": choice("co@example.org", "otto@example.org", "sam@example.org", "nope"),
            "invite": st.one_of(choice(_invite_id(w)), integer(-5, 2**40)),
            "speaker": st.one_of(choice(_speaker_link(w)), integer(-5, 2**40)),
        },
        lambda w: {"action": "invite", "email": "co@example.org"},
    ),
    Endpoint("cfp:join", "other_submitter", lambda w: {}, lambda w: {}, token=JOIN_TOKEN),
    Endpoint(
        "callsettings:settings",
        "chair",
        lambda w: {
            "name": text(200),
            "description": text(20000),
            "timezone": choice("UTC", "Europe/Madrid", "Mars/Olympus"),
            "opens_at": choice("2026-01-01T09:00", "2026-13-40T99:99", ""),
            "closes_at": choice("2030-01-01T09:00", "2025-01-01T09:00"),
            "review_deadline_at": choice("", "2030-02-01T09:00"),
            "bidding_closes_at": choice("", "2029-12-01T09:00", "2029-99-01T09:00"),
            "languages": choice("en", "es", "fr", "xx"),
            "reviews_per_proposal": integer(-3, 30),
            "chairs_blind": choice("on", ""),
            "action": choice("", "preview", "save"),
        },
        lambda w: {
            "name": "PyCon 2027",
            "description": "Welcome.",
            "timezone": "Europe/Madrid",
            "opens_at": "2026-01-01T09:00",
            "closes_at": "2030-01-01T09:00",
            "review_deadline_at": "2030-02-01T09:00",
            "languages": ["en", "es"],
            "reviews_per_proposal": "2",
            "chairs_blind": "on",
        },
    ),
    Endpoint(
        "callsettings:formats",
        "chair",
        _row_fields(
            "formats",
            {
                "slug": choice("talk", "lightning", "Not A Slug"),
                "name": text(100),
                "duration_minutes": integer(-10, 2000),
                "slots": integer(-10, 20000),
            },
        ),
        lambda w: {
            "row": "",
            "action": "save",
            "formats-new-slug": "lightning",
            "formats-new-name": "Lightning",
            "formats-new-duration_minutes": "5",
            "formats-new-slots": "4",
        },
    ),
    Endpoint(
        "callsettings:tracks",
        "chair",
        _row_fields("tracks", {"slug": choice("web", "ops", "Bad slug"), "name": text(100)}),
        lambda w: {"row": "", "tracks-new-slug": "ops", "tracks-new-name": "Ops"},
    ),
    Endpoint(
        "callsettings:criteria",
        "chair",
        _row_fields("criteria", CRITERION),
        lambda w: {
            "row": "",
            "criteria-new-slug": "depth",
            "criteria-new-name": "Depth",
            "criteria-new-minimum": "1",
            "criteria-new-maximum": "5",
            "criteria-new-weight": "1",
            "criteria-new-position": "3",
        },
    ),
    Endpoint(
        "callsettings:questions",
        "chair",
        _row_fields("questions", QUESTION),
        lambda w: {
            "row": "",
            "questions-new-label": "T-shirt size?",
            "questions-new-kind": "choose_one",
            "questions-new-choices": "S\nM\nL",
            "questions-new-target": "speaker",
            "questions-new-visibility": "chairs",
            "questions-new-position": "9",
        },
    ),
    Endpoint(
        "callsettings:reopen",
        "chair",
        lambda w: {"until": choice("2031-01-01T10:00", "2000-01-01T10:00", "tomorrow")},
        lambda w: {"until": "2031-01-01T10:00"},
    ),
    Endpoint(
        "callsettings:findings",
        "chair",
        lambda w: {
            "field": choice("title", "abstract", "description", "notes", "answer:1", "x"),
            "start": integer(-5, 10**12),
            "end": integer(-5, 10**12),
            "next": choice("", "/chair/pycon/", "https://evil.example/"),
        },
        lambda w: _first_finding(w),
    ),
    Endpoint("chair:aggregate", "chair", lambda w: {}, lambda w: {}),
    Endpoint(
        "chair:assign",
        "chair",
        lambda w: {"per_proposal": integer(-5, 50)},
        lambda w: {"per_proposal": "1"},
    ),
    Endpoint(
        "chair:remind",
        "chair",
        lambda w: {
            "reviewer": st.one_of(
                choice(*(str(u.pk) for u in w.users.values())), integer(-5, 2**40)
            )
        },
        lambda w: {"reviewer": str(w.users["reviewer"].pk)},
    ),
    Endpoint(
        "curation:decide",
        "chair",
        lambda w: {
            "status": choice("accepted", "waitlisted", "rejected", "undecided", "maybe"),
            "version": integer(-2, 5),
            "reason": choice("", "other", "first_time", "bogus"),
            "note": text(2000),
            "next": choice("", "/chair/pycon/", "https://evil.example/", "//evil.example"),
        },
        lambda w: {"status": "accepted", "version": "0", "next": "/chair/pycon/"},
    ),
    Endpoint(
        "curation:reveal",
        "chair",
        lambda w: {"confirm": choice("on", "", "false")},
        lambda w: {"confirm": "on"},
        frozenset({MAY_REVEAL}),
    ),
    Endpoint(
        "curation:emails",
        "chair",
        lambda w: {
            "status": choice("accepted", "waitlisted", "rejected", "undecided"),
            **{
                f"{s}-{name}": strategy
                for s in ("accepted", "waitlisted", "rejected")
                for name, strategy in {
                    "subject": st.one_of(text(300), choice("About {title}", "{call.__class__}")),
                    "body": st.one_of(text(2000), choice("Dear {speaker}", "{feedback!r}")),
                    "include_feedback": choice("on", ""),
                }.items()
            },
        },
        lambda w: {
            "status": "accepted",
            "accepted-subject": "Accepted: {title}",
            "accepted-body": "Dear {speaker}, see you at {call}.",
            "accepted-include_feedback": "on",
        },
    ),
    Endpoint(
        "diversity:self_id",
        "submitter",
        lambda w: {
            "consent": choice("on", ""),
            "consent_version": integer(-1, 3),
            "q_gender": choice(*SELF_ID_VALUES),
            "t_gender": text(200),
            "q_underrepresented": choice("", "yes", "no", "prefer_not_to_say"),
            "action": choice("", "save", "withdraw"),
        },
        lambda w: {
            "consent": "on",
            "consent_version": "1",
            "q_gender": "self_describe",
            "t_gender": "In my own words",
            "q_underrepresented": "no",
        },
    ),
    Endpoint("diversity:build", "chair", lambda w: {}, lambda w: {}),
    Endpoint(
        "diversity:threshold",
        "chair",
        lambda w: {"k": integer(-5, 200)},
        # The world's report is built, so only the threshold in use is accepted (as a no-op).
        lambda w: {"k": "10"},
    ),
    Endpoint(
        "diversity:targets",
        "chair",
        lambda w: {
            "group": choice(*_target_groups(w), "gender:nobody", "nocolon"),
            "share": st.one_of(st.decimals(-10, 200, places=2).map(str), choice("", "12.34")),
        },
        lambda w: {"group": _target_groups(w)[0], "share": "40"},
    ),
    Endpoint(
        "diversity:questions",
        "chair",
        lambda w: {
            "label": text(200),
            "options": choice("Academia\nIndustry", "", "\n".join(["x"] * 40)),
            "self_describe": choice("on", ""),
            "action": choice("", "add", "remove"),
            "question": integer(-5, 2**40),
        },
        lambda w: {"label": "Background", "options": "Academia\nIndustry", "self_describe": "on"},
    ),
    Endpoint(
        "reviews:screen",
        "reviewer",
        lambda w: {
            "score_relevance": integer(-3, 9),
            "score_clarity": integer(-3, 9),
            "confidence": integer(-1, 7),
            "comment": text(5000),
            "feedback": text(5000),
            "abstain_reason": text(300),
            "action": choice("", "save", "next", "abstain"),
            "next_code": choice("", w.proposal.code, "../../admin/"),
        },
        lambda w: {"score_relevance": "4", "score_clarity": "3", "confidence": "4"},
        frozenset({MAY_REVIEW}),
    ),
    Endpoint(
        "reviews:recuse",
        "reviewer",
        lambda w: {"reason": text(200)},
        lambda w: {"reason": "I know the speaker"},
    ),
    # Issue 23: a bid (bidding opened by `prepare`), the expertise profile, and the chair's
    # manual assignment, reviewer page and run control. None touches a protected column.
    Endpoint(
        "reviews:bid",
        "reviewer",
        lambda w: {
            "level": choice("eager", "willing", "not_for_me", "conflict", "none", "", "EAGER"),
            "clear": choice("", "1", "on"),
        },
        lambda w: {"level": "eager"},
        prepare=lambda w: _open_bidding(w.call),
    ),
    Endpoint(
        "reviews:expertise",
        "reviewer",
        lambda w: {"topics": text(2000), "statement": text(4000)},
        lambda w: {"topics": "caching, Django", "statement": "I run a CDN."},
    ),
    Endpoint(
        "chair:proposal_reviewers",
        "chair",
        lambda w: {
            "reviewer": st.one_of(
                choice(*(str(u.pk) for u in w.users.values())), integer(-5, 2**40)
            ),
            "action": choice("assign", "unassign", "", "delete"),
        },
        # The world's reviewer shares the speakers' mail domain: assigning is refused (with the
        # reason); taking them off is the valid change.
        lambda w: {"reviewer": str(w.users["reviewer"].pk), "action": "unassign"},
    ),
    Endpoint(
        "chair:reviewer_assignments",
        "chair",
        lambda w: {
            "action": choice("assign", "unassign", "past_talks", ""),
            "code": choice(w.proposal.code, w.proposal.code.lower(), "NOPE42", ""),
            "reviewer": choice(str(w.users["reviewer"].pk), "x"),
            "past_talks": text(50_000),
        },
        lambda w: {
            "action": "past_talks",
            "reviewer": str(w.users["reviewer"].pk),
            "past_talks": "Async ORM\nHow it works.",
        },
    ),
    Endpoint(
        "chair:bulk_decide",
        "chair",
        lambda w: {
            "status": choice("accepted", "waitlisted", "rejected", "undecided", "maybe"),
            "reason": choice("", "other", "balance", "nope"),
            "note": text(300),
            "codes": choice(w.proposal.code, "", "ZZZZZZ", "x" * 80),
            "all": choice("", "on"),
            "version": integer(-2, 5),
        },
        lambda w: {"status": "accepted", "codes": w.proposal.code},
    ),
    # The outbox endpoints act on the drafts ``_with_drafts`` generates: an accepted one
    # waiting (edit, discard, group send of 1) and a rejected one queued (resend).
    Endpoint("chair:outbox_generate", "chair", lambda w: {}, lambda w: {}, prepare=_with_drafts),
    # Issue 19: staff create and copy calls; chairs delete settings rows (moving proposals),
    # remove a reviewer, resend or withdraw an invitation.
    Endpoint(
        "callsetup:new",
        "staff",
        _new_call_fields,
        lambda w: {
            "name": "Next 2099",
            "slug": "next-2099",
            "timezone": "UTC",
            "opens_at": "2099-01-01T09:00",
            "closes_at": "2099-02-01T09:00",
            "languages": "en",
            "reviews_per_proposal": "3",
            "formats": "Talk | 30",
            "criteria": "Relevance | 1-5 | 1",
        },
        allowed=frozenset({MAY_CREATE_CALL}),
    ),
    Endpoint(
        "callsetup:clone",
        "staff",
        lambda w: (
            {
                key: value
                for key, value in _new_call_fields(w).items()
                if key in ("name", "slug", "opens_at", "closes_at", "review_deadline_at")
            }
            | {"invite_reviewers": choice("", "on", "x")}
        ),
        lambda w: {
            "name": "Next 2099",
            "slug": "next-2099",
            "opens_at": "2099-01-01T09:00",
            "closes_at": "2099-02-01T09:00",
            "invite_reviewers": "on",
        },
        allowed=frozenset({MAY_CREATE_CALL}),
    ),
    *(
        Endpoint(
            f"callsettings:delete_{noun}",
            "chair",
            lambda w: {"move_to": choice("", "none", "0", "-1", "x", str(2**40))},
            lambda w: {},
            prepare=_with_row(section),
        )
        for noun, section in (
            ("format", "formats"),
            ("track", "tracks"),
            ("criterion", "criteria"),
            ("question", "questions"),
        )
    ),
    Endpoint(
        "reviewers:remove",
        "chair",
        lambda w: {"confirm": text(20)},
        lambda w: {},
        allowed=frozenset({MAY_REMOVE_REVIEWER}),
    ),
    Endpoint("reviewers:resend", "chair", lambda w: {}, lambda w: {}, prepare=_with_invitation),
    Endpoint("reviewers:revoke", "chair", lambda w: {}, lambda w: {}, prepare=_with_invitation),
    # API tokens (issue 20): a token is made for the chair posting; revoking needs one.
    Endpoint(
        "chair:api_tokens",
        "chair",
        lambda w: {"label": text(150), "scopes": choice("read", "write", "", "x" * 80)},
        lambda w: {"label": "schedule tool", "scopes": "read"},
    ),
    Endpoint(
        "chair:api_token_revoke", "chair", lambda w: {}, lambda w: {}, prepare=_with_api_token
    ),
    Endpoint(
        "chair:outbox_feedback",
        "chair",
        lambda w: {
            "review": choice(str(w.url_ids["review"]), "-5", "0", str(2**40), "x"),
            "action": choice("approve", "edit", "hide", "publish", ""),
            "text": text(500),
        },
        lambda w: {"review": str(w.url_ids["review"]), "action": "hide"},
        prepare=_with_drafts,
    ),
    Endpoint(
        "chair:outbox_draft",
        "chair",
        lambda w: {"subject": text(400), "body": text(500)},
        lambda w: {"subject": "Hello", "body": "Text"},
        prepare=_with_drafts,
    ),
    Endpoint("chair:outbox_discard", "chair", lambda w: {}, lambda w: {}, prepare=_with_drafts),
    Endpoint(
        "chair:outbox_resend", "chair", lambda w: {}, lambda w: {}, prepare=_with_queued_draft
    ),
    Endpoint(
        "chair:outbox_send",
        "chair",
        lambda w: {"expected": integer(-5, 2**40)},
        lambda w: {"expected": "1"},
        allowed=frozenset({MAY_PUBLISH}),
        prepare=_with_drafts,
    ),
    Endpoint(
        "chair:run_assignment",
        "chair",
        lambda w: {
            "mode": choice("total", "fair", "randomised", "magic", ""),
            "q": choice("0.5", "1", "0", "-1", "nan", "inf", "2"),
            "per_proposal": integer(-5, 50),
        },
        lambda w: {"mode": "total"},
    ),
    Endpoint(
        "reviews:accept_invitation",
        "other_submitter",
        lambda w: {
            "languages": choice("en", "es", "fr"),
            "tracks": choice("web", "data", "nope"),
            "max_load": integer(-5, 5000),
        },
        lambda w: {"languages": ["en", "es"], "tracks": ["web"], "max_load": "10"},
        frozenset({MAY_JOIN_COMMITTEE}),
        token=INVITATION_TOKEN,
    ),
    Endpoint(
        "reviewers:list",
        "chair",
        lambda w: {
            "emails": choice("a@example.org", "a@example.org, b@example.org", "nope"),
            "may_forward": choice("on", "", "x"),
            # Issue 25: the same links invite mentors; never a chair or staff.
            "role": choice("reviewer", "mentor", "", "chair", "staff"),
        },
        lambda w: {"emails": "ana@example.org, ben@example.org", "role": "mentor"},
    ),
    # Issue 24: the call's texts in each language (one field per text and language).
    Endpoint(
        "callsettings:translations",
        "chair",
        _translation_fields,
        lambda w: {"main_language": "en", "es-description": "Una convocatoria *amable*."},
    ),
    # Whoever is signed in: the cookie, and the choice stored for their e-mails (issue 24).
    Endpoint(
        "set_language",
        "submitter",
        lambda w: {
            "language": choice("en", "es", "de", "fr", "pt-br", "pt_BR", "xx", "", "EN"),
            "next": choice("/", "/calls/pycon/", "https://evil.example/", "//evil.example", ""),
        },
        lambda w: {"language": "es", "next": "/calls/pycon/"},
    ),
    # Issue 21: the discussion (opened by `prepare`), opening it, and the chairs' tags.
    Endpoint(
        "reviews:discussion",
        "reviewer",
        lambda w: {"body": text(5001)},
        lambda w: {"body": "I scored it 4: the outline is clear."},
        prepare=_with_review_and_thread,
    ),
    Endpoint(
        "chair:discussion",
        "chair",
        lambda w: {"body": text(5001)},
        lambda w: {"body": "Does the depth justify a long slot?"},
        prepare=_with_thread,
    ),
    Endpoint("chair:discussion_open", "chair", lambda w: {}, lambda w: {}),
    Endpoint(
        "chair:tags",
        "chair",
        lambda w: {
            "name": st.one_of(text(61), choice("keynote candidate", "x" * 61)),
            "reviewer_visible": choice("on", "", "false", "2"),
        },
        lambda w: {"name": "Needs a second look", "reviewer_visible": "on"},
        prepare=_with_tags,
    ),
    Endpoint(
        "chair:proposal_tags",
        "chair",
        lambda w: {"tags": choice(*_ids(w, "tag", "tag_b", "other_tag"))},
        lambda w: {"tags": [str(w.url_ids["tag"]), str(w.url_ids["tag_b"])]},
        prepare=_with_tags,
    ),
    # Issue 22: extra reviews where the outcome is uncertain; the consistency experiment.
    Endpoint(
        "chair:extra_reviews",
        "chair",
        lambda w: {"extra_reviews": choice("on", "", "x"), "extra_cap": integer(-5, 2**40)},
        lambda w: {"extra_reviews": "on", "extra_cap": "3"},
    ),
    Endpoint(
        "chair:consistency",
        "chair",
        lambda w: {"percent": integer(-5, 2**40), "confirm": choice("on", "", "false")},
        lambda w: {"percent": "50", "confirm": "on"},
    ),
    # Issue 25: mentoring. The speaker's page and the mentor's page act on a match and its
    # suggestions (`_with_mentor`); the chairs match a request by hand; a reviewer volunteers.
    Endpoint(
        "cfp:mentoring",
        "submitter",
        lambda w: {
            "action": choice("ask", "post", "accept", "ignore", "another", "report", "", "x"),
            "body": text(5001),
            "text": text(5001),
            "suggestion": choice(*_ids(w, "suggestion", "other_suggestion")),
        },
        lambda w: {"action": "post", "body": "Thank you for the suggestion."},
        # Accepting a suggestion saves the abstract as the proposal's next version.
        allowed=frozenset({MAY_EDIT}),
        prepare=_with_mentor,
    ),
    Endpoint(
        "mentor_proposal",
        "mentor",
        lambda w: {
            "action": choice("post", "suggest", "accept", "", "x"),
            "body": text(5001),
            "original": choice("cut page times", "Samira Quell", "not in it", "", " "),
            # The same passage (no change), or one that takes the abstract past its limit.
            "replacement": st.one_of(text(3001), choice("cut page times", "y" * 3000)),
            "note": text(1001),
        },
        lambda w: {
            "action": "suggest",
            "original": "cut page times",
            "replacement": "halved page times",
            "note": "Say it shorter.",
        },
        prepare=_with_mentor,
    ),
    Endpoint(
        "chair:mentoring",
        "chair",
        lambda w: {
            "action": choice("run", "match", "settings", "", "x"),
            "code": choice(w.proposal.code, w.proposal.code.lower(), "ZZZZZZ", "", "a-b"),
            "mentor": choice(*_ids(w, "mentor"), *(str(u.pk) for u in w.users.values())),
            "reviewers_may_mentor": choice("on", ""),
            "mentors_may_review": choice("on", ""),
        },
        lambda w: {"action": "match", "code": w.proposal.code, "mentor": str(w.url_ids["mentor"])},
        prepare=_with_mentoring_request,
    ),
    Endpoint(
        "mentor_volunteer",
        "reviewer",
        lambda w: {},
        lambda w: {},
        allowed=frozenset({MAY_VOLUNTEER_AS_MENTOR}),
        prepare=_reviewers_may_mentor,
    ),
)
BY_NAME = {e.name: e for e in ENDPOINTS}

# Endpoints with a known, reported bug in application code: xfail (strict) until it is fixed.
# Found and fixed so far: "profile" redirected to a URL name that did not exist (a 500).
KNOWN_BUGS: dict[str, str] = {}


def _cases(*, strict: bool = True) -> list[Any]:
    return [
        pytest.param(
            e,
            id=e.name,
            marks=[pytest.mark.xfail(reason=KNOWN_BUGS[e.name], strict=strict)]
            if e.name in KNOWN_BUGS
            else [],
        )
        for e in ENDPOINTS
    ]


@functools.cache
def _patterns() -> dict[str, Any]:
    return dict(_names(get_resolver()))


def url(endpoint: Endpoint, w: SecurityWorld) -> str:
    pattern = _patterns()[endpoint.name]
    params = set(getattr(pattern.pattern, "converters", {}))
    kwargs = access.url_kwargs(
        params,
        slug=w.call.slug,
        code=w.proposal.code,
        reviewer_pk=w.users["reviewer"].pk,
        token=endpoint.token,
    )
    kwargs.update({k: str(v) for k, v in w.url_ids.items() if k in params})
    return reverse(endpoint.name, kwargs=kwargs)


# --- encoding a form --------------------------------------------------------------------------


def _bytes(value: Value) -> bytes:
    # "surrogatepass" sends a lone surrogate as the raw bytes a broken client would send.
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def urlencoded(form: Form) -> bytes:
    return b"&".join(
        quote_from_bytes(_bytes(k)).encode() + b"=" + quote_from_bytes(_bytes(v)).encode()
        for k, v in form
    )


def multipart(form: Form, boundary: str) -> bytes:
    parts = [
        b"--"
        + boundary.encode()
        + b'\r\nContent-Disposition: form-data; name="'
        + _bytes(k)
        + b'"\r\n\r\n'
        + _bytes(v)
        + b"\r\n"
        for k, v in form
    ]
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"


def encode(form: Form, how: str) -> tuple[bytes, str]:
    if how == "multipart":
        boundary = "SecuritySuiteBoundary7MA4YWxk"
        return multipart(form, boundary), f"multipart/form-data; boundary={boundary}"
    if how == "json":
        # A JSON body fills no form field: every field is missing.
        text_form = {k: _bytes(v).decode(errors="replace") for k, v in form}
        return json.dumps(text_form).encode(), "application/json"
    return urlencoded(form), "application/x-www-form-urlencoded"


def plain_form(data: Mapping[str, str | Sequence[str]]) -> Form:
    form: Form = []
    for key, value in data.items():
        for item in [value] if isinstance(value, str) else value:
            form.append((key, item))
    return form


@st.composite
def hostile_forms(draw: st.DrawFn, fields: Fields) -> Form:
    form: Form = []
    for name, valid in fields.items():
        kind = draw(st.sampled_from(("valid", "valid", "hostile", "missing", "repeated")))
        if kind == "valid":
            form.append((name, draw(valid)))
        elif kind == "hostile":
            form.append((name, draw(hostile)))
        elif kind == "repeated":
            for value in draw(st.lists(st.one_of(valid, hostile), min_size=2, max_size=4)):
                form.append((name, value))
    own = set(fields)
    extras = draw(
        st.dictionaries(
            st.sampled_from([k for k in MASS_KEYS if k not in own]),
            st.one_of(st.sampled_from(MASS_VALUES), hostile),
            max_size=4,
        )
    )
    form.extend(extras.items())
    return form


# --- one request ------------------------------------------------------------------------------


def post(
    w: SecurityWorld, endpoint: Endpoint, form: Form, *, how: str = "urlencoded", htmx: bool = False
) -> HttpResponseBase:
    data, content_type = encode(form, how)
    headers = {"HX-Request": "true"} if htmx else {}
    return w.client(endpoint.role).generic(
        "POST", url(endpoint, w), data=data, content_type=content_type, headers=headers
    )


@dataclass(frozen=True)
class Baseline:
    """The state every example starts from (each one is rolled back)."""

    tables: dict[str, tuple[int, str]]
    protected: Protected

    @classmethod
    def now(cls) -> Baseline:
        return cls(tables=db_state(), protected=protected_state())


def check_one(
    w: SecurityWorld,
    endpoint: Endpoint,
    form: Form,
    baseline: Baseline,
    *,
    how: str = "urlencoded",
    htmx: bool = False,
) -> HttpResponseBase:
    """Post inside a savepoint that is rolled back; assert the per-example properties."""
    cache.clear()
    with transaction.atomic():
        response = post(w, endpoint, form, how=how, htmx=htmx)
        assert response.status_code < 500
        after = db_state()
        if after != baseline.tables:
            assert not is_refusal(response), (
                f"{endpoint.name} refused ({response.status_code}) but wrote to: "
                + changed_tables(baseline.tables, after)
            )
            problems = protected_problems(
                baseline.protected,
                protected_state(),
                actor_id=w.actor_id(endpoint.role),
                call_id=w.call.pk,
                allowed=endpoint.allowed,
            )
            assert not problems, f"{endpoint.name} changed protected columns: {problems}"
        transaction.set_rollback(True)
    return response


def _prepared_world(endpoint: Endpoint | None = None) -> SecurityWorld:
    w = security_world()
    # A published report gives the target form real groups to choose from.
    diversity_services.build_report(call_id=w.call.pk, now=timezone.now())
    if endpoint is not None and endpoint.prepare is not None:
        endpoint.prepare(w)
    return w


def _archive(call: Any) -> None:
    type(call).objects.filter(pk=call.pk).update(archived_at=timezone.now())


def _open_bidding(call: Any) -> None:
    type(call).objects.filter(pk=call.pk).update(
        bidding_closes_at=timezone.now() + dt.timedelta(days=1)
    )


# --- the tests --------------------------------------------------------------------------------


def _post_statuses(name: str, rows: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Every role's answer to a POST, the extra roles (``access.EXTRA_ROLES``) included."""
    post = dict(rows.get("POST", {}))
    return {**post, **access.derived(name, "POST", post)} if post else {}


def accepts_post(name: str, rows: Mapping[str, Mapping[str, int]]) -> bool:
    """Whether someone may POST to the row's URL.

    The anonymous visitor's 302 (and a deactivated account's) is the log-in redirect, not a use
    of the form. A row whose only answers are 404 and 405 has a gate before the method check:
    everyone outside it gets 404 and whoever passes it 405 (the mentor's home page), so nobody
    posts there.
    """
    statuses = {
        role: status
        for role, status in _post_statuses(name, rows).items()
        if not (role in ("anonymous", "deactivated") and status == 302)
    }
    answers = set(statuses.values())
    if 405 in answers and answers <= {404, 405}:
        return False
    return any(status != 405 for status in answers)


def test_every_post_endpoint_of_the_access_table_is_fuzzed() -> None:
    posting = {name for name, rows in merged().items() if accepts_post(name, rows)}

    assert set(BY_NAME) == posting


def test_a_row_gated_before_the_method_check_accepts_no_post() -> None:
    gated = {"POST": {**access.everyone(404), "anonymous": 302}}

    # The world's mentor passes the gate of their home page and gets 405 (access.MENTOR).
    assert not accepts_post("mentor_home", gated)
    assert accepts_post("mentor_proposal", gated)
    assert accepts_post("chair:outbox_draft", gated)


# Every endpoint has a valid path in this world (the outbox's drafts come from _with_drafts).
WITHOUT_A_VALID_PATH_HERE: frozenset[str] = frozenset()
WITH_A_VALID_PATH = [e for e in ENDPOINTS if e.name not in WITHOUT_A_VALID_PATH_HERE]
# Endpoints whose URL names a row the world's ``prepare`` made (a draft): the access table
# opens them with an id that matches nothing (404), so the valid submission checks them.
URL_FROM_THE_WORLD = frozenset(
    {
        "chair:outbox_draft",
        "chair:outbox_discard",
        "callsettings:delete_format",
        "callsettings:delete_track",
        "callsettings:delete_criterion",
        "callsettings:delete_question",
        "reviewers:resend",
        "reviewers:revoke",
        "chair:outbox_resend",
        "chair:notice_dismiss",
        "chair:api_token_revoke",
    }
)
TABLE_URL = [
    e for e in WITH_A_VALID_PATH if e.token == TABLE_TOKEN and e.name not in URL_FROM_THE_WORLD
]


@pytest.mark.parametrize("endpoint", TABLE_URL, ids=[e.name for e in TABLE_URL])
def test_the_fuzzing_role_may_post_to_the_endpoint(endpoint: Endpoint) -> None:
    # Endpoints fuzzed with a real token (an invitation link) are checked by the valid
    # submission instead: the table opens them with a token that matches nothing.
    # The mentor is one of the extra roles: their answer follows from the row (access.MENTOR).
    statuses = _post_statuses(endpoint.name, merged()[endpoint.name])

    assert statuses[endpoint.role] not in (404, 405)
    assert endpoint.role != "anonymous" or statuses["anonymous"] != 302


@pytest.mark.parametrize(
    "endpoint", [c for c in _cases() if c.values[0].name not in WITHOUT_A_VALID_PATH_HERE]
)
def test_a_valid_submission_is_accepted(endpoint: Endpoint) -> None:
    """The fuzzer's valid values really pass the form: refusals are not the only outcome."""
    w = _prepared_world(endpoint)

    response = check_one(w, endpoint, plain_form(endpoint.valid(w)), Baseline.now())

    assert not is_refusal(response), response.status_code


@pytest.mark.parametrize("endpoint", _cases())
def test_unknown_keys_naming_protected_columns_change_nothing(endpoint: Endpoint) -> None:
    w = _prepared_world(endpoint)
    valid = plain_form(endpoint.valid(w))
    own = {k for k, _v in valid} | set(endpoint.fields(w))
    hostile_keys: Form = [(k, v) for k in MASS_KEYS if k not in own for v in ("1", "99", "true")]
    baseline = Baseline.now()

    plain = check_one(w, endpoint, valid, baseline)
    stuffed = check_one(w, endpoint, valid + hostile_keys, baseline)

    assert stuffed.status_code == plain.status_code
    assert is_refusal(stuffed) == is_refusal(plain)


# Not strict: whether the examples hit a known bug's path depends on the draw.
@pytest.mark.parametrize("endpoint", _cases(strict=False))
def test_hostile_forms_never_fail_and_refusals_write_nothing(
    endpoint: Endpoint, record_property: Callable[[str, object], None]
) -> None:
    w = _prepared_world(endpoint)
    fields = endpoint.fields(w)
    baseline = Baseline.now()
    ran = []

    @FUZZ
    @given(
        form=hostile_forms(fields),
        how=st.sampled_from(("urlencoded", "urlencoded", "multipart", "json")),
        htmx=st.booleans(),
    )
    def example(form: Form, how: str, htmx: bool) -> None:
        ran.append(len(form))
        check_one(w, endpoint, form, baseline, how=how, htmx=htmx)

    example()

    # The count goes to the JUnit XML report (--junitxml) for docs/security.md's figures.
    record_property("examples", len(ran))
    assert len(ran) >= EXAMPLES // 2, "the fuzzer really ran"
    assert db_state() == baseline.tables, "every example was rolled back"
