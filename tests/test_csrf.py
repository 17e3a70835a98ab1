"""CSRF is enforced on every POST: each URL that accepts POST refuses one without a token."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.test_access import TABLE, _url

pytestmark = pytest.mark.django_db

# POST targets from the access table that answer something other than 405 to some role.
POSTABLE = sorted(
    name
    for name, rows in TABLE.items()
    if "POST" in rows and any(status != 405 for status in rows["POST"].values())
)
ROLE_FOR = {
    "cfp:mine_detail": "submitter",
    "reviews:screen": "reviewer",
}


@pytest.mark.parametrize("name", POSTABLE)
def test_a_post_without_a_csrf_token_is_refused(name: str) -> None:
    w = factories.world()
    rows = TABLE[name]["POST"]
    # Post as a role that is allowed through, so the refusal can only be the missing token.
    role = ROLE_FOR.get(name) or next(
        (
            r
            for r in ("chair", "reviewer", "submitter", "anonymous")
            if rows.get(r) not in (404, 302)
        ),
        "anonymous",
    )
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(w.users[role])

    response = client.post(_url(name, w), {"title": "x"})

    assert response.status_code == 403, f"{name} as {role}: {response.status_code}"
