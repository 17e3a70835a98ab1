"""Test tiers, the template guard and shared fixtures.

Tiers: the default tier needs nothing. ``@pytest.mark.services`` tests need PostgreSQL
(DATABASE_URL), Redis (REDIS_URL) and start a Celery worker subprocess; ``@pytest.mark.browser``
tests need Chromium at /usr/bin/chromium and Playwright. A tier whose server is missing is
skipped with its reason; with CI=true that skip is a failure instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import guards

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"


def _services_reason() -> str | None:
    db = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not db.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL does not point at PostgreSQL"
    if not redis_url:
        return "REDIS_URL is not set"
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at REDIS_URL does not answer ({exc})"
    return None


def _browser_reason() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if shutil.which("node") is None and not os.path.exists(CHROMIUM):
        return "no node runtime"  # pragma: no cover
    return None


TIER_REASONS: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Real password hashing costs ~0.3 s a user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Parallel test workers must not share a Redis cache: each clears it between tests, which
    # would reset another worker's rate-limit counters mid-test. gw0 keeps REDIS_URL's db,
    # gw1 takes the next one, and so on.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = settings.CACHES["default"].get("LOCATION", "")
    if worker.startswith("gw") and isinstance(location, str) and location.startswith("redis"):
        base, _, db = location.rpartition("/")
        index = int(worker[2:])
        settings.CACHES["default"]["LOCATION"] = f"{base}/{(int(db or 0) + index) % 16}"
    TIER_REASONS["services"] = _services_reason()
    TIER_REASONS["browser"] = _browser_reason()


def pytest_runtest_setup(item: pytest.Item) -> None:
    for tier in ("services", "browser"):
        if item.get_closest_marker(tier) is None:
            continue
        reason = TIER_REASONS.get(tier)
        if reason is None:
            continue
        message = f"{tier} tier unavailable: {reason}"
        if CI:
            pytest.fail(f"{message} (CI=true refuses to skip it)", pytrace=False)
        pytest.skip(message)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"tier {tier}: {'available' if reason is None else 'SKIPPED — ' + reason}"
        for tier, reason in TIER_REASONS.items()
    ]


@pytest.fixture(autouse=True)
def _template_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    guards.install(monkeypatch)


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache(settings: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    """Default-tier tests run tasks in-process; services tests use the real broker."""
    from config.celery import app

    eager = request.node.get_closest_marker("services") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    settings.RATELIMIT_ENABLE = request.node.get_closest_marker("ratelimit") is not None
    cache.clear()
    yield
    app.conf.task_always_eager = previous
    cache.clear()


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
# Django's probe of SQLite's JSON support (DatabaseFeatures.supports_json_field), run once per
# process the first time a JSONObject is compiled: the process's cost, not a page's, so it shows
# up only in whichever test happens to run first.
FEATURE_PROBES = frozenset({'SELECT JSON(\'{"a": "b"}\')'})


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    """SQL statements other than transaction control and Django's one-time feature probes: what
    our query budgets count."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
        and q["sql"].strip() not in FEATURE_PROBES
    ]


@pytest.fixture
def assert_queries() -> Callable[[int], Any]:
    """``with assert_queries(4): client.get(...)``: exactly that many data queries."""

    @contextmanager
    def check(expected: int) -> Iterator[CaptureQueriesContext]:
        with CaptureQueriesContext(connection) as captured:
            yield captured
        got = data_queries(captured)
        assert len(got) == expected, (
            f"expected {expected} data queries, got {len(got)}:\n" + "\n".join(got)
        )

    return check
