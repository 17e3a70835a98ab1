"""The release history a build is audited against: every published version of every report of
every call whose chairs could set it beside this one (``disclosure.Release`` values).

Read only by the build; never shown. Chairs are read through ``cfp.queries`` like everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from diversity import models
from diversity.domain import disclosure


def viewer_scope(*, call_id: int) -> tuple[int, ...]:
    """This call and every call that one of its chairs also chairs: what they can compare."""
    chairs = cfp_queries.member_user_ids(call_id=call_id, role=cfp_models.Role.CHAIR)
    calls = set(
        cfp_queries.members(role=cfp_models.Role.CHAIR)
        .filter(user_id__in=chairs)
        .values_list("call_id", flat=True)
    )
    return tuple(sorted(calls | {call_id}))


def release_from_data(label: str, data: Mapping[str, Any]) -> disclosure.Release:
    return disclosure.Release(
        label=label,
        members={str(p): frozenset(s) for p, s in data.get("members", {}).items()},
        epochs={str(q): dict(e) for q, e in data.get("epochs", {}).items()},
        tables={
            str(q): {(str(v), str(s)): (None if c is None else int(c)) for v, s, c in cells}
            for q, cells in data.get("tables", {}).items()
        },
    )


def release_data(release: disclosure.Release) -> dict[str, Any]:
    return {
        "members": {p: sorted(s) for p, s in sorted(release.members.items())},
        "epochs": {q: dict(sorted(e.items())) for q, e in sorted(release.epochs.items())},
        "tables": {
            q: [[v, s, c] for (v, s), c in sorted(t.items())]
            for q, t in sorted(release.tables.items())
        },
    }


def history(*, call_ids: tuple[int, ...]) -> list[disclosure.Release]:
    """Every recorded release of these calls, oldest first."""
    return [
        release_from_data(f"{call_id}/{kind}/{pk}", data)
        for pk, call_id, kind, data in models.ReleaseRecord.objects.filter(call_id__in=call_ids)
        .order_by("published_at", "pk")
        .values_list("pk", "call_id", "kind", "data")
    ]


def latest_data(*, call_id: int, kind: str) -> dict[str, Any] | None:
    """The newest recorded release of one report, as stored."""
    data = (
        models.ReleaseRecord.objects.filter(call_id=call_id, kind=kind)
        .order_by("-published_at", "-pk")
        .values_list("data", flat=True)
        .first()
    )
    return dict(data) if data is not None else None
