"""One equality check for account enumeration: do two requests look the same from outside?

``observe`` sends a request and records what an attacker (or a slow side channel) could tell
apart: the status, the page with CSRF tokens and the echoed address taken out, the redirect
target, the cookies set, the number of data queries, and the work queued after commit (task names
and arguments, the address masked). ``assert_indistinguishable`` compares two observations and
names every field that differs. tests/test_enumeration.py runs it over each flow × class of
address and plants differences to prove it catches them.
"""

from __future__ import annotations

import html
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import data_queries

_CSRF = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]*(")|("X-CSRFToken": ")[^"]*(")', re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Observation:
    status: int
    body: str
    location: str
    cookies: tuple[str, ...]
    queries: int
    work: tuple[str, ...]


def _mask(text: str, echoes: Iterable[str]) -> str:
    for echo in sorted({e for e in echoes if e}, key=len, reverse=True):
        for form in {echo, echo.lower(), echo.upper(), html.escape(echo)}:
            text = text.replace(form, "<echo>")
    return text


def normalise_body(body: str, *, echoes: Iterable[str] = ()) -> str:
    """The page without what differs between any two requests (CSRF tokens) or what the user
    typed and sees again (the address, the name)."""
    body = _CSRF.sub(
        lambda m: (m.group(1) or m.group(3)) + "<csrf>" + (m.group(2) or m.group(4)), body
    )
    return _mask(body, echoes)


def _describe(callback: Callable[[], Any], echoes: Sequence[str]) -> str:
    """An after-commit callback as "task name(args)" for ``common.queue.enqueue_on_commit``, its
    qualified name otherwise."""
    free = inspect.getclosurevars(callback).nonlocals
    if "name" in free and "args" in free:
        return _mask(f"{free['name']}{tuple(free['args'])!r}", echoes)
    return getattr(callback, "__qualname__", repr(callback))


def observe(
    capture: Any,
    *,
    url: str,
    data: Mapping[str, str],
    echoes: Sequence[str],
    client: Client | None = None,
) -> Observation:
    """POST ``data`` to ``url`` and record what can be seen (``capture`` is pytest-django's
    ``django_capture_on_commit_callbacks`` fixture; the callbacks are recorded, not run)."""
    client = client or Client()
    with capture(execute=False) as callbacks, CaptureQueriesContext(connection) as queries:
        response = client.post(url, dict(data))
    return Observation(
        status=response.status_code,
        body=normalise_body(response.content.decode(), echoes=echoes),
        location=_mask(response.get("Location", ""), echoes),
        cookies=tuple(sorted(response.cookies.keys())),
        queries=len(data_queries(queries)),
        work=tuple(_describe(cb, echoes) for cb in callbacks),
    )


def assert_indistinguishable(a: Observation, b: Observation, *, what: str = "") -> None:
    differing = [f.name for f in fields(Observation) if getattr(a, f.name) != getattr(b, f.name)]
    if not differing:
        return
    detail = "\n".join(
        f"  {name}: {str(getattr(a, name))[:400]!r}\n   vs {str(getattr(b, name))[:400]!r}"
        for name in differing
    )
    raise AssertionError(f"{what}: requests are distinguishable by {differing}\n{detail}")
