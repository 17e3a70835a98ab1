"""Plain-Python rules of curation: departures from the ranking, e-mail placeholders, displacement.

No Django here: the service layer reads the rows, these functions decide.

Placeholders. Chairs write decision e-mails with ``{title}``, ``{call}`` and the like. The text is
filled with ``str.format_map`` over a dict of plain strings, after :func:`template_errors` has
checked every replacement field: only a bare allowed name is accepted. Attribute and index access
(``{title.__class__}``, ``{call[0]}``), positional fields (``{}``, ``{0}``), conversions
(``{feedback!r}``) and format specs (``{title:>999999}``, which would build a huge string) are all
refused, so a template can never reach an object's internals or blow up memory. Literal braces are
written ``{{`` and ``}}``.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from common.numbers import is_whole_number

PLACEHOLDERS: tuple[str, ...] = ("title", "call", "code", "speaker", "format", "feedback")

ACCEPTED = "accepted"
WAITLISTED = "waitlisted"
REJECTED = "rejected"
UNDECIDED = "undecided"


# --- placeholders ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """One refused piece of a template; ``field`` is the text between the braces."""

    kind: str  # "syntax", "positional", "unknown", "access", "conversion", "format"
    field: str


def template_problems(text: str) -> tuple[TemplateProblem, ...]:
    """Everything in ``text`` that the safe renderer refuses; empty when the text is fine."""
    problems: list[TemplateProblem] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        return (TemplateProblem(kind="syntax", field=str(exc)),)
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name == "" or is_whole_number(name):
            problems.append(TemplateProblem(kind="positional", field=name))
        elif "." in name or "[" in name:
            problems.append(TemplateProblem(kind="access", field=name))
        elif name not in PLACEHOLDERS:
            problems.append(TemplateProblem(kind="unknown", field=name))
        if conversion:
            problems.append(TemplateProblem(kind="conversion", field=f"{name}!{conversion}"))
        if spec:
            problems.append(TemplateProblem(kind="format", field=f"{name}:{spec}"))
    return tuple(problems)


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:  # pragma: no cover - template_problems refuses it
        raise KeyError(key)


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders; a text the checker refuses comes back unchanged (literally).

    ``values`` must hold plain strings: they are copied into a fresh ``dict`` of ``str`` so that
    nothing but string content can reach the output.
    """
    if template_problems(text):
        return text
    plain = _Strict({name: str(values.get(name, "")) for name in PLACEHOLDERS})
    return text.format_map(plain)


def one_line(text: str, *, limit: int = 300) -> str:
    """A subject line: every run of whitespace, newlines included, becomes one space."""
    return " ".join(text.split())[:limit]


# --- departures from the calibrated order ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ranked:
    """A proposal's snapshot rank (None: not ranked) and current decision."""

    key: str
    rank: int | None
    status: str


def _sort_rank(rank: int | None) -> float:
    # An unranked proposal sits below every ranked one.
    return float("inf") if rank is None else float(rank)


def departure(*, target: Ranked, to_status: str, others: Iterable[Ranked]) -> tuple[str, ...]:
    """The proposals whose order ``to_status`` for ``target`` would contradict.

    Accepting departs from the order when a better-ranked proposal is undecided or rejected;
    rejecting departs when a worse-ranked proposal is accepted. Waitlisting and undoing never do.
    ``others`` are the other proposals competing for the same slots (same format).
    """
    mine = _sort_rank(target.rank)
    if to_status == ACCEPTED:
        return tuple(
            o.key
            for o in others
            if o.key != target.key
            and _sort_rank(o.rank) < mine
            and o.status in (UNDECIDED, REJECTED)
        )
    if to_status == REJECTED:
        return tuple(
            o.key
            for o in others
            if o.key != target.key and _sort_rank(o.rank) > mine and o.status == ACCEPTED
        )
    return ()


# --- displacement ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """One proposal as the displacement report needs it."""

    key: str
    group: str  # the format: slots, and so the cut, are per format
    rank: int | None
    status: str
    reason: str
    first_time: bool
    english_additional: bool


@dataclass(frozen=True, slots=True)
class Move:
    key: str
    group: str
    rank: int | None
    group_rank: int
    status: str
    reason: str
    position: int | None  # place in the group's accepted list, by rank
    places: int  # > 0: moved up into the programme; < 0: pushed out from above the cut
    first_time: bool
    english_additional: bool


@dataclass(frozen=True, slots=True)
class Tally:
    label: str
    proposals: int
    places: int


@dataclass(frozen=True, slots=True)
class AttributeTally:
    label: str
    blind_top: int  # how many the blind ranking alone would have put in the programme
    programme: int  # how many the programme holds
    moved_up: int
    pushed_out: int


@dataclass(frozen=True, slots=True)
class Displacement:
    moves: tuple[Move, ...]
    accepted: int
    moved_up: int
    pushed_out: int
    places: int
    by_reason: tuple[Tally, ...]
    by_attribute: tuple[AttributeTally, ...]


def displacement(rows: Sequence[Placed]) -> Displacement:
    """Compare each format's blind ranking with its accepted set.

    Within a format, the proposals are put in snapshot order (``group_rank``). The cut is the
    number accepted. An accepted proposal moved up by ``group_rank - position`` places (the
    proposals ranked above it that did not get in); a proposal above the cut that was not
    accepted was pushed out by as many places as there are accepted proposals ranked below it.
    """
    by_group: dict[str, list[Placed]] = {}
    for r in rows:
        by_group.setdefault(r.group, []).append(r)
    moves: list[Move] = []
    for group, members in by_group.items():
        ordered = sorted(members, key=lambda r: (_sort_rank(r.rank), r.key))
        cut = sum(1 for r in ordered if r.status == ACCEPTED)
        position = 0
        accepted_seen = 0
        for index, r in enumerate(ordered, start=1):
            if r.status == ACCEPTED:
                position += 1
                accepted_seen += 1
                places, pos = index - position, position
            else:
                pos = None
                places = -(cut - accepted_seen) if index <= cut else 0
            moves.append(
                Move(
                    key=r.key,
                    group=group,
                    rank=r.rank,
                    group_rank=index,
                    status=r.status,
                    reason=r.reason,
                    position=pos,
                    places=places,
                    first_time=r.first_time,
                    english_additional=r.english_additional,
                )
            )
    moves.sort(key=lambda m: (_sort_rank(m.rank), m.group, m.key))
    changed = [m for m in moves if m.places != 0]
    reasons: dict[str, list[Move]] = {}
    for m in changed:
        reasons.setdefault(m.reason, []).append(m)
    by_reason = tuple(
        Tally(label=label, proposals=len(ms), places=sum(abs(m.places) for m in ms))
        for label, ms in sorted(reasons.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    return Displacement(
        moves=tuple(moves),
        accepted=sum(1 for m in moves if m.status == ACCEPTED),
        moved_up=sum(1 for m in moves if m.places > 0),
        pushed_out=sum(1 for m in moves if m.places < 0),
        places=sum(abs(m.places) for m in moves),
        by_reason=by_reason,
        by_attribute=(
            _attribute("first_time", moves),
            _attribute("english_additional", moves),
        ),
    )


def _attribute(name: str, moves: Sequence[Move]) -> AttributeTally:
    cuts: dict[str, int] = {}
    for m in moves:
        if m.status == ACCEPTED:
            cuts[m.group] = cuts.get(m.group, 0) + 1
    having = [m for m in moves if getattr(m, name)]
    return AttributeTally(
        label=name,
        blind_top=sum(1 for m in having if m.group_rank <= cuts.get(m.group, 0)),
        programme=sum(1 for m in having if m.status == ACCEPTED),
        moved_up=sum(1 for m in having if m.places > 0),
        pushed_out=sum(1 for m in having if m.places < 0),
    )
