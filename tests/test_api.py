"""The read-only JSON API (issue 20): tokens (scope, revocation, hashing, another call's token),
pagination, rate limits, query budgets, and every answer checked against the served schema."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.services import api_tokens
from tests import factories
from tests.curation_world import Curation, curation

pytestmark = pytest.mark.django_db

PATHS = {
    "proposals": "/api/v1/calls/{slug}/proposals",
    "reviewers": "/api/v1/calls/{slug}/reviewers",
    "export_json": "/api/v1/calls/{slug}/export.json",
}
EXPORT_SCHEMA = json.loads(
    (Path(__file__).parent.parent / "docs" / "export.schema.json").read_text()
)


@pytest.fixture(autouse=True)
def _json_support_known() -> None:
    assert connection.features.supports_json_field


@pytest.fixture(scope="module")
def spec(django_db_blocker: Any) -> dict[str, Any]:
    """The OpenAPI document as the server serves it (no database needed)."""
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


def _token(w: Curation, *, username: str | None = None, scopes: tuple[str, ...] = ("read",)) -> str:
    made = api_tokens.create_api_token(
        call_id=w.call.pk,
        username=username or w.chair.username,
        scopes=scopes,
        label="schedule tool",
        actor_id=w.chair.pk,
        now=timezone.now(),
    )
    return made.secret


class Api:
    """GETs an endpoint and checks the answer against the served schema for its status."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def body_of(self, response: Any) -> Any:
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        return json.loads(raw)

    def get(
        self, name: str, *, slug: str, token: str | None, expect: int = 200, **params: Any
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        response = Client().get(PATHS[name].format(slug=slug), params, headers=headers)
        assert response.status_code == expect, response.content[:300]
        body = self.body_of(response)
        self.validate(name, expect, body)
        return body

    def validate(self, name: str, status: int, body: Any) -> None:
        operation = self.spec["paths"][PATHS[name]]["get"]
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator({**schema, "components": self.spec["components"]}).validate(
            body
        )


@pytest.fixture
def api(spec: dict[str, Any]) -> Api:
    return Api(spec)


def _world(n: int = 3, *, revealed: bool = False, slug: str = "pycon") -> Curation:
    w = curation(n, revealed=revealed, slug=slug)
    for i, p in enumerate(w.proposals):
        status = ("accepted", "waitlisted", "rejected")[i % 3]
        models.Decision.objects.create(proposal=p, status=status, version=1)
    return w


# --- the schema -----------------------------------------------------------------------------


def test_the_schema_is_openapi_3_with_bearer_tokens(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    assert set(PATHS.values()) <= set(spec["paths"])
    schemes = spec["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]


def test_the_schema_check_refuses_an_answer_that_does_not_match(api: Api) -> None:
    with pytest.raises(jsonschema.ValidationError):
        api.validate("proposals", 200, {"count": 1, "items": [{"code": 3}]})


# --- proposals ------------------------------------------------------------------------------


def test_proposals_carry_aggregates_decisions_and_after_reveal_speakers(api: Api) -> None:
    w = _world(revealed=True)

    body = api.get("proposals", slug=w.call.slug, token=_token(w))

    assert body["count"] == 3
    first = body["items"][0]
    assert first["code"] == w.proposals[0].code
    assert first["decision"] == "accepted"
    assert first["confirmation"] == "pending"
    assert first["aggregate"]["rank"] == 1
    assert first["aggregate"]["calibrated"] == 8.0
    assert first["speakers"][0]["name"] == "Ottoline Speakerton0"


def test_a_blind_chairs_token_reads_redacted_texts_and_no_speaker(api: Api) -> None:
    w = _world(revealed=False)

    body = api.get("proposals", slug=w.call.slug, token=_token(w))

    assert all(item["speakers"] is None for item in body["items"])
    assert "Ottoline" not in json.dumps(body)
    assert "speaker0@" not in json.dumps(body)


def test_the_shortlist_scope_holds_accepted_then_waitlisted(api: Api) -> None:
    w = _world(4)

    body = api.get("proposals", slug=w.call.slug, token=_token(w), scope="shortlist")

    assert [i["decision"] for i in body["items"]] == ["accepted", "accepted", "waitlisted"]


def test_pages_follow_each_other_without_gaps_or_repeats(api: Api) -> None:
    w = _world(5)
    token = _token(w)

    first = api.get("proposals", slug=w.call.slug, token=token, limit=2)
    seen = [i["code"] for i in first["items"]]
    following = first["next"]
    while following:
        response = Client().get(following, headers={"Authorization": f"Bearer {token}"})
        page = api.body_of(response)
        api.validate("proposals", 200, page)
        seen += [i["code"] for i in page["items"]]
        following = page["next"]

    assert first["count"] == 5
    assert first["previous"] is None
    assert page["previous"] is not None
    assert seen == [p.code for p in w.proposals]


def test_an_offset_past_the_end_is_an_empty_page(api: Api) -> None:
    w = _world(2)

    body = api.get("proposals", slug=w.call.slug, token=_token(w), offset=10)

    assert body["items"] == []
    assert body["count"] == 2
    assert body["next"] is None


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}, {"scope": "mine"}]
)
def test_bad_paging_is_refused_with_the_field_named(api: Api, params: dict[str, Any]) -> None:
    w = _world(1)

    body = api.get("proposals", slug=w.call.slug, token=_token(w), expect=422, **params)

    assert body["detail"][0]["loc"][-1] in params


# --- reviewers and the export ---------------------------------------------------------------


def test_reviewers_progress(api: Api) -> None:
    w = _world(2)
    reviewer = factories.user("rev", first_name="Rhoda Reviewer")
    factories.member(w.call, reviewer, "reviewer")
    factories.assign(w.proposals[0], reviewer)

    body = api.get("reviewers", slug=w.call.slug, token=_token(w))

    assert body["items"] == [
        {"id": reviewer.pk, "name": "Rhoda Reviewer", "assigned": 1, "done": 0, "percent": 0}
    ]


@pytest.mark.parametrize("revealed", [False, True])
@pytest.mark.parametrize("scope", ["shortlist", "all"])
def test_the_export_matches_the_served_and_the_documented_schema(
    api: Api, revealed: bool, scope: str
) -> None:
    w = _world(revealed=revealed)

    rows = api.get("export_json", slug=w.call.slug, token=_token(w), scope=scope)

    jsonschema.validate(rows, EXPORT_SCHEMA)
    assert len(rows) == (3 if scope == "all" else 2)
    assert ("speaker_names" in rows[0]) is revealed


# --- tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PATHS))
def test_without_a_token_or_with_a_made_up_one_the_answer_is_401(api: Api, name: str) -> None:
    w = _world(1)

    api.get(name, slug=w.call.slug, token=None, expect=401)
    api.get(name, slug=w.call.slug, token="trv1_" + "A" * 43, expect=401)
    api.get(name, slug=w.call.slug, token="not-even-a-token", expect=401)


@pytest.mark.parametrize("name", list(PATHS))
def test_another_calls_token_reads_nothing_of_this_call(api: Api, name: str) -> None:
    w = _world(1)
    other = _world(1, slug="djangocon")

    body = api.get(name, slug=w.call.slug, token=_token(other), expect=404)

    assert "No such call" in body["detail"]


def test_a_revoked_token_is_refused(api: Api) -> None:
    w = _world(1)
    token = _token(w)
    row = models.ApiToken.objects.get()
    api.get("proposals", slug=w.call.slug, token=token)

    api_tokens.revoke_api_token(
        call_id=w.call.pk, token_id=row.pk, actor_id=w.chair.pk, now=timezone.now()
    )

    api.get("proposals", slug=w.call.slug, token=token, expect=401)


def test_a_token_whose_owner_is_no_longer_a_chair_is_refused(api: Api) -> None:
    w = _world(1)
    token = _token(w)

    cfp_models.Membership.objects.filter(user=w.chair).delete()

    api.get("proposals", slug=w.call.slug, token=token, expect=404)


def test_a_token_without_the_read_scope_is_refused(api: Api) -> None:
    w = _world(1)
    token = _token(w)
    models.ApiToken.objects.update(scopes=[])

    body = api.get("proposals", slug=w.call.slug, token=token, expect=403)

    assert "scope" in body["detail"]


def test_only_the_hash_and_a_short_prefix_of_a_token_are_stored() -> None:
    w = _world(1)

    token = _token(w)

    row = models.ApiToken.objects.get()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.prefix)
    assert len(row.prefix) < len(token) // 3
    stored = json.dumps(list(models.ApiToken.objects.values()), default=str)
    stored += json.dumps(list(cfp_models.AuditEvent.objects.values()), default=str)
    assert token not in stored
    assert token[len(row.prefix) :] not in stored


def test_two_tokens_never_share_a_secret() -> None:
    w = _world(1)

    assert _token(w) != _token(w)


def test_a_reviewer_gets_no_token() -> None:
    w = _world(1)
    reviewer = factories.user("rev")
    factories.member(w.call, reviewer, "reviewer")

    with pytest.raises(api_tokens.UnableToCreateToken, match="not a chair"):
        _token(w, username="rev")

    assert not models.ApiToken.objects.exists()


def test_an_unknown_scope_is_refused() -> None:
    w = _world(1)

    with pytest.raises(api_tokens.UnableToCreateToken, match="scope"):
        _token(w, scopes=("write",))


def test_making_and_revoking_a_token_is_audited() -> None:
    w = _world(1)
    _token(w)
    row = models.ApiToken.objects.get()

    api_tokens.revoke_api_token(
        call_id=w.call.pk, token_id=row.pk, actor_id=w.chair.pk, now=timezone.now()
    )

    events = list(
        cfp_models.AuditEvent.objects.filter(call=w.call)
        .order_by("pk")
        .values_list("action", "actor_id", "data__prefix")
    )
    assert events[-2:] == [
        ("api_token_created", w.chair.pk, row.prefix),
        ("api_token_revoked", w.chair.pk, row.prefix),
    ]


def test_revoking_another_calls_token_is_refused() -> None:
    w = _world(1)
    other = _world(1, slug="djangocon")
    _token(other)
    row = models.ApiToken.objects.get()

    with pytest.raises(api_tokens.UnableToRevokeToken):
        api_tokens.revoke_api_token(
            call_id=w.call.pk, token_id=row.pk, actor_id=w.chair.pk, now=timezone.now()
        )

    assert models.ApiToken.objects.get().revoked_at is None


def test_a_request_records_when_the_token_was_last_used(api: Api) -> None:
    w = _world(1)
    token = _token(w)

    api.get("reviewers", slug=w.call.slug, token=token)

    assert models.ApiToken.objects.get().last_used_at is not None


# --- the command ----------------------------------------------------------------------------


def test_the_command_prints_a_working_token_once(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    w = _world(1)

    call_command("create_api_token", "--call", w.call.slug, "--user", w.chair.username)

    token = capsys.readouterr().out.strip()
    assert token.startswith("trv1_")
    api.get("proposals", slug=w.call.slug, token=token)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--call", "nope", "--user", "chair-pycon"], "No call with the slug 'nope'"),
        (["--call", "pycon", "--user", "nobody"], "No active account"),
        (["--call", "pycon", "--user", "rev"], "not a chair"),
        (["--call", "pycon", "--user", "chair-pycon", "--scope", "write"], "invalid choice"),
    ],
)
def test_the_command_fails_with_one_line(args: list[str], message: str) -> None:
    w = _world(1)
    factories.member(w.call, factories.user("rev"), "reviewer")

    with pytest.raises(CommandError, match=message) as failure:
        call_command("create_api_token", *args)

    assert "\n" not in str(failure.value)
    assert not models.ApiToken.objects.exists()


# --- rate limits and query budgets ----------------------------------------------------------


@pytest.mark.ratelimit
def test_a_token_over_its_rate_is_refused_with_429(api: Api, settings: Any) -> None:
    settings.API_RATE_LIMIT = "3/m"
    w = _world(1)
    token = _token(w)
    other = _token(w)
    for _ in range(3):
        api.get("reviewers", slug=w.call.slug, token=token)

    body = api.get("reviewers", slug=w.call.slug, token=token, expect=429)

    assert "Too many" in body["detail"]
    api.get("reviewers", slug=w.call.slug, token=other)  # each token has its own budget


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("revealed", [False, True])
def test_the_proposal_list_runs_a_fixed_number_of_queries(
    rows: int, revealed: bool, assert_queries: Callable[[int], Any]
) -> None:
    w = _world(rows, revealed=revealed)
    token = _token(w)
    Client().get(
        PATHS["reviewers"].format(slug=w.call.slug), headers={"Authorization": f"Bearer {token}"}
    )

    # token, chair role, count, the page's rows, the page (speakers and tags in the same
    # query); the last use was just noted.
    with assert_queries(5):
        response = Client().get(
            PATHS["proposals"].format(slug=w.call.slug),
            headers={"Authorization": f"Bearer {token}"},
        )

    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_the_reviewer_list_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = _world(1)
    for i in range(rows):
        reviewer = factories.user(f"rev{i}")
        factories.member(w.call, reviewer, "reviewer")
        factories.assign(w.proposals[0], reviewer)
    token = _token(w)

    # token, chair role, last use, reviewers, their counts.
    with assert_queries(5):
        response = Client().get(
            PATHS["reviewers"].format(slug=w.call.slug),
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.json()["count"] == rows


# --- personal data --------------------------------------------------------------------------


def test_the_personal_data_export_lists_a_chairs_tokens_without_their_secret() -> None:
    from cfp.queries import personal_data

    w = _world(1)
    token = _token(w)

    data = personal_data.export_personal_data(user_id=w.chair.pk)

    row = models.ApiToken.objects.get()
    assert data["api_tokens"] == [
        {
            "call": w.call.slug,
            "token": f"{row.prefix}…",
            "label": "schedule tool",
            "scopes": ["read"],
            "created_at": row.created_at.isoformat(),
            "last_used_at": None,
            "revoked_at": None,
        }
    ]
    assert token not in json.dumps(data)


def test_deleting_the_account_drops_its_tokens(api: Api) -> None:
    from cfp.services import personal_data

    w = _world(1)
    token = _token(w)

    personal_data.delete_account(user_id=w.chair.pk, now=timezone.now())

    assert not models.ApiToken.objects.exists()
    api.get("proposals", slug=w.call.slug, token=token, expect=401)


def test_proposals_carry_the_chairs_tags(api: Api) -> None:
    w = _world(2)
    tag = models.Tag.objects.create(call=w.call, name="keynote", created_at=timezone.now())
    models.ProposalTag.objects.create(proposal=w.proposals[1], tag=tag)

    body = api.get("proposals", slug=w.call.slug, token=_token(w))

    assert [i["tags"] for i in body["items"]] == [[], ["keynote"]]


def test_absurd_query_strings_get_a_page_or_a_422_that_matches_the_schema(api: Api) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    w = _world(3)
    token = _token(w)
    values = st.one_of(
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(["", "all", "shortlist", "x" * 300, "1e3", "\x00", "0x10", " 5"]),
        st.text(max_size=20),
    )
    seen: set[int] = set()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        query=st.dictionaries(
            st.sampled_from(["limit", "offset", "scope", "page", "ordering"]), values, max_size=4
        )
    )
    def example(query: dict[str, str]) -> None:
        response = Client().get(
            PATHS["proposals"].format(slug=w.call.slug),
            query,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code in (200, 422), response.content[:300]
        api.validate("proposals", response.status_code, response.json())
        seen.add(response.status_code)

    example()

    assert seen == {200, 422}
