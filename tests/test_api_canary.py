"""The canary crawl, through the API: a blind chair's token never receives a speaker's identity.

Reuses the reviewer canary's seed (speakers with unique invented names, e-mails, bios, links and
regions, also written into their proposals' texts) and its matcher. A chair's token reads every
page of proposals in both scopes, the reviewers' progress and the JSON export while
the call keeps chairs blind; then, as the control that shows the check can fail, the same crawl
after identities are revealed must find them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models as review_models
from reviews.services import api_tokens
from tests.test_api import Api
from tests.test_reviewer_canary import PROPOSALS, Crawler, Seeded, _history, _seed

pytestmark = pytest.mark.django_db


def _whole(response: Any) -> Any:
    """A streamed answer as a plain one, so the crawler reads its body too."""
    if not response.streaming:
        return response
    whole = HttpResponse(b"".join(response.streaming_content), status=response.status_code)
    for key, value in response.items():
        whole[key] = value
    return whole


def _crawl_api(s: Seeded, crawler: Crawler, token: str) -> None:
    client = Client()
    # Every answer of the crawl also matches the schema the server serves (issue 20).
    api = Api(client.get("/api/v1/openapi.json").json())
    auth = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/calls/{s.call.slug}"

    def fetch(name: str, path: str, params: dict[str, Any], expect: int) -> Any:
        response = _whole(client.get(f"{base}/{path}", params, headers=auth))
        assert response.status_code == expect
        api.validate(name, expect, api.body_of(response))
        return response

    for scope in ("all", "shortlist"):
        for limit, offset in ((500, 0), (7, 0), (7, 7), (7, PROPOSALS - 3)):
            params = {"scope": scope, "limit": limit, "offset": offset}
            crawler.check(f"api proposals {params}", fetch("proposals", "proposals", params, 200))
        export = fetch("export_json", "export.json", {"scope": scope}, 200)
        crawler.check(f"api export {scope}", export)
    crawler.check("api reviewers", fetch("reviewers", "reviewers", {}, 200))
    crawler.check("api 422", fetch("proposals", "proposals", {"limit": "x"}, 422))
    # Not /api/v1/openapi.json: it is the same public document for everyone, holds no data, and
    # names the export's "first_time" column, which the programme-word needles would flag.


def test_a_blind_chairs_token_never_receives_a_speakers_identity() -> None:
    s = _seed()
    _history(s)
    for k, code in enumerate(s.codes):
        status = ("accepted", "waitlisted", "rejected")[k % 3]
        review_models.Decision.objects.create(
            proposal=cfp_models.Proposal.objects.get(code=code), status=status, version=1
        )
    chair = get_user_model().objects.get(username="chair")
    token = api_tokens.create_api_token(
        call_id=s.call.pk,
        username=chair.username,
        scopes=("read",),
        label="",
        actor_id=chair.pk,
        now=timezone.now(),
    ).secret
    blind = Crawler(s)

    _crawl_api(s, blind, token)

    assert blind.fetched >= 12
    assert not blind.hits, f"{len(blind.hits)} leaks, first ones:\n" + "\n".join(blind.hits[:20])

    # Control: once chairs know who the speakers are, the same crawl finds them.
    s.call.identities_revealed_at = timezone.now()
    s.call.save(update_fields=["identities_revealed_at"])
    seeing = Crawler(s)
    _crawl_api(s, seeing, token)
    assert any(s.canaries[0].email.lower() in hit for hit in seeing.hits)
