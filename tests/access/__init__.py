"""The access table, one module of rows per area so each area's owner edits only its own.

Each module defines ``ROWS``: URL name -> method ("GET"/"POST", or "HX GET"/"HX POST" to override
the plain answer for htmx requests) -> role -> expected status.
"""

from __future__ import annotations

ROLES = ("anonymous", "submitter", "other_submitter", "reviewer", "chair", "other_chair", "staff")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, *, anonymous: int = 302) -> dict[str, int]:
    return {**everyone(status), "anonymous": anonymous}


def only(roles: tuple[str, ...], status: int, *, anonymous: int = 302) -> dict[str, int]:
    out = everyone(404)
    out["anonymous"] = anonymous
    for role in roles:
        out[role] = status
    return out


def merged() -> dict[str, dict[str, dict[str, int]]]:
    from tests.access import accounts, cfp, chair, curation, diversity, reviewer

    table: dict[str, dict[str, dict[str, int]]] = {}
    for module in (accounts, cfp, reviewer, chair, curation, diversity):
        overlap = set(table) & set(module.ROWS)
        assert not overlap, f"rows defined twice: {sorted(overlap)}"
        table.update(module.ROWS)
    return table
