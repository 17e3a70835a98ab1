"""Deciding many proposals at once: the shortlist's bulk and inline decisions.

``decide_proposals`` applies a list of changes all or nothing. It enforces the same rules as the
one-proposal service (``reviews.services.curation.decide``): a known status and reason, "other"
needs a note, withdrawn proposals cannot be decided, a format never takes more acceptances than
it has slots, and once chairs know the speakers a departure from the calibrated order needs a
reason. Departures are judged against the state *after* every change of the batch (accepting the
top twenty at once is not a departure because the first is still undecided when the second is
checked). A refusal names every refused row by code and title; nothing is written.

Queries are a fixed handful whatever the batch size (``bench/bulk_decisions.py``): the
formats locked (with the call), the current run, the codes' ids, missing decision rows created,
the changed decisions locked, the call's proposals read once, one UPDATE per target status, the
history rows and the audit rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import visibility
from cfp.domain.visibility import Part, Viewer
from common import bulk_insert
from reviews import models
from reviews.domain import curation as rules
from reviews.queries import proposal_text, snapshot
from reviews.services.curation import REASONS, STATUSES, UnableToDecide


@dataclass(frozen=True, slots=True)
class Change:
    """One proposal's new decision. ``seen_version`` None: the caller did not load a version."""

    code: str
    to_status: str
    reason: str = ""
    note: str = ""
    seen_version: int | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    code: str
    title: str
    message: str


class UnableToDecideMany(UnableToDecide):
    """Nothing was saved; ``rows`` names each refused proposal and why."""

    def __init__(self, message: str, *, rows: tuple[Refused, ...], field: str | None = None):
        super().__init__(message, field=field)
        self.rows = rows


@dataclass(frozen=True, slots=True)
class BulkDecided:
    changed: tuple[str, ...]  # codes whose decision changed
    unchanged: tuple[str, ...]  # codes that had this decision already


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    code: str
    title: str
    format_id: int
    in_call: bool
    rank: int | None
    status: str
    version: int


def _refusal(rows: list[Refused]) -> UnableToDecideMany:
    listed = "; ".join(f"{r.code} “{r.title}”: {r.message}" for r in rows[:20])
    more = len(rows) - 20
    if more > 0:
        listed += " " + _("(and %(n)s more)") % {"n": more}
    message = ngettext(
        "Nothing was saved: %(n)s proposal cannot take this decision. %(rows)s",
        "Nothing was saved: %(n)s proposals cannot take this decision. %(rows)s",
        len(rows),
    ) % {"n": len(rows), "rows": listed}
    field = "reason" if all(r.message == _NEEDS_REASON() for r in rows) else None
    return UnableToDecideMany(message, rows=tuple(rows), field=field)


def _NEEDS_REASON() -> str:
    return _("departs from the calibrated order: choose a reason")


@transaction.atomic
def decide_proposals(
    *, call: int, chair: int, changes: Sequence[Change], now: dt.datetime
) -> BulkDecided:
    """Apply every change or none; ``call`` is the call's id, ``chair`` the deciding user's id."""
    if not changes:
        raise UnableToDecideMany(_("Select at least one proposal."), rows=())
    for c in changes:
        if c.to_status not in STATUSES:
            raise UnableToDecideMany(_("Choose one of the decisions."), rows=(), field="status")
        if c.reason and c.reason not in REASONS:
            raise UnableToDecideMany(_("Choose one of the reasons."), rows=(), field="reason")
        if c.reason == models.DepartureReason.OTHER and not c.note.strip():
            raise UnableToDecideMany(
                _("Say why in the note when the reason is “other”."), rows=(), field="note"
            )
    wanted = {c.code: c for c in changes}
    # Lock the call's formats first (the one-proposal service locks a format before counting
    # its acceptances), then the decisions this batch changes. The call comes with its formats.
    formats = list(
        cfp_models.Format.objects.select_for_update(no_key=True, of=("self",))
        .filter(call_id=call)
        .select_related("call")
        .order_by("pk")
    )
    call_row = formats[0].call if formats else cfp_models.Call.objects.get(pk=call)
    slots = {f.pk: f.slots for f in formats}
    phase = cfp_queries.phase_of(call_row)
    identities_known = visibility.sees(viewer=Viewer.CHAIR, part=Part.SPEAKER_IDENTITY, phase=phase)
    run_id = snapshot.current_run_id(call_id=call)
    # The missing decision rows in one INSERT … SELECT (bulk_create would split 10,000 rows
    # into several statements on SQLite), then the batch's rows locked.
    bulk_insert.insert_select(
        models.Decision,
        ("proposal", "status", "version"),
        cfp_models.Proposal.objects.filter(
            cfp_models.committee_sees(),
            call_id=call,
            code__in=list(wanted),
            decision__isnull=True,
        )
        .annotate(d_status=Value(rules.UNDECIDED), d_version=Value(0))
        .values_list("pk", "d_status", "d_version"),
        unless_exists="proposal",
    )
    list(
        models.Decision.objects.select_for_update(no_key=True)
        .filter(proposal__call_id=call, proposal__code__in=list(wanted))
        .order_by("proposal_id")
        .values_list("pk", flat=True)
    )
    rank = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=OuterRef("pk"))
    decision = models.Decision.objects.filter(proposal_id=OuterRef("pk"))
    rows: dict[str, _Row] = {}
    for pk, code, title, red, fmt, state, r, s, v in (
        cfp_models.Proposal.objects.filter(cfp_models.committee_sees(), call_id=call)
        .annotate(
            s_rank=Subquery(rank.values("rank")[:1]),
            d_status=Subquery(decision.values("status")[:1]),
            d_version=Subquery(decision.values("version")[:1]),
        )
        .values_list(
            "pk",
            "code",
            "title",
            "redacted__title",
            "format_id",
            "state",
            "s_rank",
            "d_status",
            "d_version",
        )
    ):
        rows[code] = _Row(
            id=pk,
            code=code,
            title=proposal_text.pick(
                viewer=Viewer.CHAIR, phase=phase, field="title", raw=title, redacted={"title": red}
            ),
            format_id=fmt,
            in_call=state in cfp_models.IN_CALL_STATES,
            rank=None if run_id is None else r,
            status=s or rules.UNDECIDED,
            version=v or 0,
        )
    refused: list[Refused] = []
    for c in changes:
        row = rows.get(c.code)
        if row is None:
            refused.append(Refused(c.code, "", _("no such proposal in this call")))
        elif not row.in_call:
            refused.append(Refused(c.code, row.title, _("withdrawn, it cannot be decided")))
        elif c.seen_version is not None and c.seen_version != row.version:
            refused.append(
                Refused(
                    c.code,
                    row.title,
                    _("another chair changed it meanwhile (now %(status)s)")
                    % {"status": row.status},
                )
            )
    if refused:
        raise _refusal(refused)
    moving = [c for c in changes if rows[c.code].status != c.to_status]
    unchanged = tuple(c.code for c in changes if rows[c.code].status == c.to_status)
    final = {code: r.status for code, r in rows.items() if r.in_call}
    for c in moving:
        final[c.code] = c.to_status
    # Slots: per format touched by an acceptance, the final count must fit.
    accepting_formats = {rows[c.code].format_id for c in moving if c.to_status == rules.ACCEPTED}
    for fmt in accepting_formats:
        taken = sum(
            1 for code, st in final.items() if st == rules.ACCEPTED and rows[code].format_id == fmt
        )
        have = slots.get(fmt, 0) or 0
        if taken > have:
            message = (
                _("its format has no slots yet")
                if not have
                else _("its format has %(slots)s slots and this would accept %(n)s")
                % {"slots": have, "n": taken}
            )
            refused.extend(
                Refused(c.code, rows[c.code].title, message)
                for c in moving
                if c.to_status == rules.ACCEPTED and rows[c.code].format_id == fmt
            )
    if refused:
        raise _refusal(refused)
    # Departures, against the state after the whole batch.
    by_format: dict[int, list[rules.Ranked]] = {}
    for code, st in final.items():
        r = rows[code]
        by_format.setdefault(r.format_id, []).append(rules.Ranked(key=code, rank=r.rank, status=st))
    departs: dict[str, bool] = {}
    for c in moving:
        r = rows[c.code]
        target = rules.Ranked(key=c.code, rank=r.rank, status=c.to_status)
        departs[c.code] = bool(
            rules.departure(target=target, to_status=c.to_status, others=by_format[r.format_id])
        )
        if identities_known and departs[c.code] and not c.reason:
            refused.append(Refused(c.code, r.title, _NEEDS_REASON()))
    if refused:
        raise _refusal(refused)
    by_status: dict[str, list[int]] = {}
    for c in moving:
        by_status.setdefault(c.to_status, []).append(rows[c.code].id)
    for status, pks in sorted(by_status.items()):
        models.Decision.objects.filter(proposal_id__in=pks).update(
            status=status, version=F("version") + 1, decided_by_id=chair, decided_at=now
        )
    # One statement each, whatever the number of rows (common.bulk_insert).
    bulk_insert.insert_rows(
        models.DecisionChange,
        (
            "proposal",
            "from_status",
            "to_status",
            "reason",
            "note",
            "actor",
            "created_at",
            "rank",
            "departure",
            "identities_known",
        ),
        [
            (
                rows[c.code].id,
                rows[c.code].status,
                c.to_status,
                c.reason,
                c.note.strip(),
                chair,
                now,
                rows[c.code].rank,
                departs[c.code],
                identities_known,
            )
            for c in moving
        ],
    )
    bulk_insert.insert_rows(
        cfp_models.AuditEvent,
        ("call", "proposal", "actor", "action", "data", "created_at"),
        [
            (
                call,
                rows[c.code].id,
                chair,
                "decision.changed",
                {
                    "from": rows[c.code].status,
                    "to": c.to_status,
                    "reason": c.reason,
                    "departure": departs[c.code],
                    "bulk": True,
                },
                now,
            )
            for c in moving
        ],
    )
    return BulkDecided(changed=tuple(c.code for c in moving), unchanged=unchanged)
