"""The release auditor: does anything a viewer has been shown pin down the answers of few people?

A *release* is one published version of one self-identification report (speakers or committee,
of one call): its tables, and what the viewer knows about it anyway, namely who it counts in
which stage and who had answered each question, with an *epoch* token per answer that changes
whenever the answer changes (so the viewer knows who changed, never to what). The *history* is
every release a viewer can see: every version of every report of every call they chair.

The guarantee (stated in docs/diversity-reports.md, checked here exactly)
-----------------------------------------------------------------------
Call two people *look-alikes* when everything the viewer knows about them is the same across
the whole history: the same stages in every release, the same releases, the same answered
status, the same answer changes. Look-alikes cannot be told apart by any arithmetic on the
published cells, so the viewer's knowledge about answers is knowledge about groups of
look-alikes (``atoms``). For every question, every answer and every atom of n people, over all
answer histories consistent with everything published and known (integers, not fractions):

* if n < k, the viewer cannot be sure that *anyone* in the atom gave that answer;
* if n >= k, the viewer cannot be sure that *everyone* in the atom gave it.

So no linear combination of published cells, with any bounds the viewer can add (non-negative
whole counts, group sizes), pins down one person's answer, nor places an answer inside a group
of fewer than k people the viewer can single out. Zeros stay publishable: knowing that someone
did *not* give an answer is the documented limit of every exact count.

How it is checked
-----------------
One integer program per question (``scipy.optimize.milp``, HiGHS): unknowns y[atom, answer] >= 0,
whole numbers, summing to the atom's size; one equality per published cell. The largest count
the rule allows is t = 0 (n < k) or n - 1 (n >= k). A pair (atom, answer) is safe when some
consistent history has y <= t; one program that minimises the total excess over t finds such
histories for most pairs at once, and the rest are decided one by one (min y). A pair whose
minimum exceeds t is a ``Finding``. Every verdict comes from an integer optimum or a witness
history, never from rounding a relaxation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

NOT_ANSWERED = ""

CellKey = tuple[str, str]
"""(answer, stage column)."""


class InconsistentHistory(ValueError):
    """The published cells cannot all be true of the people the history says they counted."""


class AuditFailed(ValueError):
    """The solver gave no verdict (time limit, numerical trouble): publish nothing new."""


TIME_LIMIT_SECONDS = 30.0
"""Per integer program; a build that hits it publishes nothing new rather than guess."""


@dataclass(frozen=True, slots=True)
class Release:
    """One published version of one report, as the viewer knows it.

    `members`: person key -> the stage columns this release counts them in. `epochs`: question
    -> person key -> a token of their answer's epoch (answered people only; absent = counted as
    not answered). `tables`: question -> (answer, column) -> the published count, None when
    hidden. Person keys are the same across calls and report kinds for the same person.
    """

    label: str
    members: Mapping[str, frozenset[str]]
    epochs: Mapping[str, Mapping[str, str]]
    tables: Mapping[str, Mapping[CellKey, int | None]]


@dataclass(frozen=True, slots=True)
class Finding:
    """A group of look-alikes whose answer the history gives away. Holds no person key."""

    question: str
    value: str
    size: int
    at_least: int
    """The viewer can be sure at least this many of the group gave `value`."""
    columns: frozenset[tuple[int, str]]
    """(release index, column) of every cell that counts this group."""


@dataclass(frozen=True, slots=True)
class _Atom:
    size: int
    presence: tuple[tuple[int, frozenset[str]], ...]
    values: tuple[str, ...]


def threshold(size: int, k: int) -> int:
    """The most members of a group of `size` look-alikes the viewer may be sure gave an answer."""
    return 0 if size < k else size - 1


def audit(releases: Sequence[Release], *, k: int) -> tuple[Finding, ...]:
    """Every (group, answer) the history gives away, per the module's rule; () when it is safe.

    Raises InconsistentHistory when the cells contradict who was counted where.
    """
    findings: list[Finding] = []
    questions = sorted({q for release in releases for q in release.tables})
    for question in questions:
        findings.extend(_audit_question(releases, question, k))
    return tuple(findings)


def _atoms(releases: Sequence[Release], question: str) -> list[_Atom]:
    presence: dict[tuple[str, str], list[tuple[int, frozenset[str]]]] = {}
    rows: dict[int, frozenset[str]] = {}
    for index, release in enumerate(releases):
        table = release.tables.get(question)
        if table is None:
            continue
        rows[index] = frozenset(v for v, _ in table if v != NOT_ANSWERED)
        epochs = release.epochs.get(question, {})
        for person, columns in release.members.items():
            token = epochs.get(person)
            if token is None:
                continue  # counted as not answered: the viewer knows it, nothing to protect
            presence.setdefault((person, token), []).append((index, columns))
    groups = Counter(tuple(p) for p in presence.values())
    every = sorted(set().union(*rows.values())) if rows else []
    atoms = []
    for signature, size in sorted(groups.items(), key=lambda item: repr(item[0])):
        allowed = set(every)
        for index, _ in signature:
            allowed &= rows[index]
        atoms.append(_Atom(size=size, presence=signature, values=tuple(sorted(allowed))))
    return atoms


def _audit_question(releases: Sequence[Release], question: str, k: int) -> list[Finding]:
    atoms = _atoms(releases, question)
    variables: dict[tuple[int, str], int] = {}
    for a, atom in enumerate(atoms):
        for value in atom.values:
            variables[(a, value)] = len(variables)
    size = len(variables)
    rows_i: list[int] = []
    cols_i: list[int] = []
    low: list[float] = []
    high: list[float] = []
    height = 0
    for a, atom in enumerate(atoms):
        terms = [variables[(a, v)] for v in atom.values]
        if not terms:
            raise InconsistentHistory("an answered person is counted where no answer is shown")
        rows_i.extend([height] * len(terms))
        cols_i.extend(terms)
        low.append(atom.size)
        high.append(atom.size)
        height += 1
    covers: dict[tuple[int, str], list[int]] = {}
    for a, atom in enumerate(atoms):
        for index, columns in atom.presence:
            for column in columns:
                covers.setdefault((index, column), []).append(a)
    for index, release in enumerate(releases):
        table = release.tables.get(question)
        if table is None:
            continue
        for (value, column), count in sorted(table.items()):
            if value == NOT_ANSWERED or count is None:
                continue
            terms = [
                variables[(a, value)]
                for a in covers.get((index, column), [])
                if (a, value) in variables
            ]
            if not terms:
                if count != 0:
                    raise InconsistentHistory("a published count where nobody can be")
                continue
            rows_i.extend([height] * len(terms))
            cols_i.extend(terms)
            low.append(count)
            high.append(count)
            height += 1
    if size == 0:
        return []
    matrix = sparse.csr_matrix((np.ones(len(rows_i)), (rows_i, cols_i)), shape=(height, size))
    upper = np.zeros(size)
    limit = np.zeros(size)
    for (a, _value), i in variables.items():
        upper[i] = atoms[a].size
        limit[i] = threshold(atoms[a].size, k)
    program = _Program(matrix=matrix, low=np.array(low), high=np.array(high), upper=upper)
    pending = {i for i in range(size) if limit[i] < upper[i]}
    findings: list[Finding] = []
    key_of = {i: key for key, i in variables.items()}
    # Most pairs are cleared by one history that keeps every pair at or below its limit where
    # it can; the rest are decided one at a time by their exact minimum.
    while pending:
        order = sorted(pending)
        witness = program.excess(order, limit)
        cleared = {i for i in order if witness[i] <= limit[i]}
        if not cleared:
            break
        pending -= cleared
    while pending:
        i = min(pending)
        pending.discard(i)
        least, solution = program.minimum(i)
        if least <= limit[i]:
            pending -= {j for j in pending if solution[j] <= limit[j]}
            continue
        a, value = key_of[i]
        atom = atoms[a]
        findings.append(
            Finding(
                question=question,
                value=value,
                size=atom.size,
                at_least=least,
                columns=frozenset(
                    (index, column) for index, cols in atom.presence for column in cols
                ),
            )
        )
    return findings


@dataclass(frozen=True, slots=True)
class _Program:
    matrix: sparse.csr_matrix
    low: np.ndarray
    high: np.ndarray
    upper: np.ndarray

    def excess(self, pending: Sequence[int], limit: np.ndarray) -> np.ndarray:
        """A consistent history minimising the total excess of the pending pairs over their
        limits (e_i >= y_i - limit_i, e_i >= 0)."""
        size = self.matrix.shape[1]
        count = len(pending)
        a_eq = sparse.hstack([self.matrix, sparse.csr_matrix((self.matrix.shape[0], count))])
        link = sparse.csr_matrix(
            (
                np.concatenate([np.ones(count), -np.ones(count)]),
                (
                    np.concatenate([np.arange(count), np.arange(count)]),
                    np.concatenate([np.array(pending), size + np.arange(count)]),
                ),
            ),
            shape=(count, size + count),
        )
        objective = np.concatenate([np.zeros(size), np.ones(count)])
        result = milp(
            objective,
            constraints=[
                LinearConstraint(a_eq, self.low, self.high),
                LinearConstraint(link, -np.inf, limit[list(pending)]),
            ],
            integrality=np.concatenate([np.ones(size), np.zeros(count)]),
            bounds=Bounds(
                np.zeros(size + count), np.concatenate([self.upper, self.upper[list(pending)]])
            ),
            options={"mip_rel_gap": 0.0, "time_limit": TIME_LIMIT_SECONDS},
        )
        return self._solution(result)[:size]

    def minimum(self, variable: int) -> tuple[int, np.ndarray]:
        """The exact integer minimum of one unknown, and a history attaining it."""
        objective = np.zeros(self.matrix.shape[1])
        objective[variable] = 1.0
        result = milp(
            objective,
            constraints=[LinearConstraint(self.matrix, self.low, self.high)],
            integrality=np.ones(self.matrix.shape[1]),
            bounds=Bounds(np.zeros(self.matrix.shape[1]), self.upper),
            options={"mip_rel_gap": 0.0, "time_limit": TIME_LIMIT_SECONDS},
        )
        solution = self._solution(result)
        return int(solution[variable]), solution

    @staticmethod
    def _solution(result: Any) -> np.ndarray:
        if result.status == 2:
            raise InconsistentHistory("the published cells contradict who was counted where")
        if result.status != 0 or result.x is None:
            raise AuditFailed(f"the release audit's integer program failed: {result.message}")
        return np.round(np.asarray(result.x, dtype=float))
