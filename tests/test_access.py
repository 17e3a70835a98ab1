"""One table of every URL × role × method × (plain, htmx) with the expected status.

A URL pattern missing from the table fails the suite: new pages are denied until someone decides
who may see them. Non-members get 404, not 403, so a call's or proposal's existence is not revealed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import access, factories
from tests.access import ROLES

TABLE = access.merged()


def _names(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    out: list[tuple[str, URLPattern]] = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else ""
            if p.namespace == "admin":
                out.append(("admin:*", p))  # type: ignore[arg-type]
                continue
            out.extend(_names(p, prefix + ns))
        elif p.name:
            out.append((prefix + p.name, p))
        else:
            out.append((prefix + f"<unnamed {p.pattern}>", p))
    return out


def test_every_url_pattern_is_in_the_access_table() -> None:
    names = {name for name, _p in _names(get_resolver())}

    missing = names - set(TABLE)
    stale = set(TABLE) - names

    assert not missing, f"URLs without a row in the access table: {sorted(missing)}"
    assert not stale, f"rows for URLs that no longer exist: {sorted(stale)}"


def test_a_planted_url_without_a_row_fails_the_completeness_check(settings: Any) -> None:
    from django.urls import clear_url_caches, path

    import config.urls

    def planted_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    planted = [*config.urls.urlpatterns, path("planted/", planted_view, name="planted")]
    module = type("M", (), {"urlpatterns": planted})
    settings.ROOT_URLCONF = module
    clear_url_caches()
    try:
        names = {name for name, _p in _names(get_resolver(module))}  # type: ignore[arg-type]
        assert "planted" in names - set(TABLE)
    finally:
        clear_url_caches()


def _url(name: str, w: factories.World) -> str:
    from django.urls import reverse

    if name == "admin:*":
        return "/admin/"
    pattern = dict(_names(get_resolver()))[name]
    params = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
    kwargs = access.url_kwargs(
        params, slug=w.call.slug, code=w.proposal.code, reviewer_pk=w.users["reviewer"].pk
    )
    return reverse(name, kwargs=kwargs)


CASES = [
    (name, method, htmx)
    for name, rows in TABLE.items()
    for method in ("GET", "POST")
    if method in rows
    for htmx in (False, True)
]


def _world_with_extra_roles() -> factories.World:
    """world() plus a reviewer without the assignment, a reviewer who speaks on the proposal,
    and a deactivated reviewer."""
    from cfp import models as cfp_models

    w = factories.world()
    extra = {
        "unassigned_reviewer": factories.user("uma"),
        "speaker_reviewer": factories.user("spiro", first_name="Spiro Vantablack"),
        "deactivated": factories.user("dora", is_active=False),
    }
    for user in extra.values():
        factories.member(w.call, user, "reviewer")
    speaker = cfp_models.Speaker.objects.create(
        user=extra["speaker_reviewer"], name="Spiro Vantablack", email="spiro@example.org"
    )
    cfp_models.ProposalSpeaker.objects.create(
        proposal=w.proposal, speaker=speaker, position=1, confirmed_at=w.proposal.submitted_at
    )
    w.users.update(extra)
    # Issue 25: a mentor of the call, matched to the proposal (its speaker asked for one).
    mentor = factories.user("menno", first_name="Menno Mentor")
    factories.member(w.call, mentor, "mentor")
    cfp_models.MentoringRequest.objects.create(
        proposal=w.proposal, asked_at=w.proposal.submitted_at
    )
    cfp_models.MentorMatch.objects.create(
        proposal=w.proposal, mentor=mentor, matched_at=w.proposal.submitted_at
    )
    w.users["mentor"] = mentor
    return w


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "htmx"),
    CASES,
    ids=[f"{n}-{m}-{'hx' if h else 'plain'}" for n, m, h in CASES],
)
def test_access_table(name: str, method: str, htmx: bool) -> None:
    w = _world_with_extra_roles()
    url = _url(name, w)
    rows = TABLE[name]
    key = f"HX {method}" if htmx and f"HX {method}" in rows else method
    expected_by_role = {**rows[key], **access.derived(name, key, rows[key])}
    failures = []
    for role in (*ROLES, *access.EXTRA_ROLES):
        client = Client()
        if role != "anonymous":
            client.force_login(w.users[role])
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.generic(method, url, headers=headers)
        if response.status_code != expected_by_role[role]:
            failures.append(
                f"{role}: expected {expected_by_role[role]}, got {response.status_code}"
            )
    assert not failures, f"{method} {url} ({'htmx' if htmx else 'plain'}):\n" + "\n".join(failures)


HX_MAIN_CASES = [(name, method) for name, method, htmx in CASES if htmx]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method"), HX_MAIN_CASES, ids=[f"{n}-{m}-hx-main" for n, m in HX_MAIN_CASES]
)
def test_an_htmx_request_that_wants_the_whole_page_never_fails(name: str, method: str) -> None:
    """A boosted link or an HX-Location swap targets <main> and needs the whole page: a view that
    built only a fragment's context for it would crash while rendering the page (500)."""
    w = _world_with_extra_roles()
    url = _url(name, w)
    failures = []
    for role in (*ROLES, *access.EXTRA_ROLES):
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(w.users[role])
        response = client.generic(
            method, url, headers={"HX-Request": "true", "HX-Target": "main", "HX-Boosted": "true"}
        )
        if response.status_code >= 500:
            failures.append(f"{role}: {response.status_code}")
    assert not failures, f"{method} {url} (htmx, target main):\n" + "\n".join(failures)
