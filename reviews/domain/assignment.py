"""Conflict-aware assignment of reviewers to proposals.

Pure Python: the service layer turns database rows into the profiles below, calls `assign`, and
writes `AssignmentPlan.new` back. Nothing here reads the clock, the database or the environment.

Hard rules (never broken, whatever the pool looks like):

* a reviewer only gets proposals in a language they listed;
* never a proposal they speak on (same email, case-insensitive), one they declared a conflict
  with, one whose speakers share their affiliation (normalised, non-empty), or one whose speakers
  use the same email domain (public mail providers such as gmail.com excepted);
* never a pair listed in `excluded`;
* never the same reviewer twice on a proposal, never more than `per_proposal` in total, and no
  new assignment pushes a reviewer beyond `max_load`.

What `assign` guarantees on top, in this order of priority:

1. Coverage. Existing assignments are kept as given and count towards K and towards loads; only
   the gaps are filled. The number of filled slots is the maximum any plan can reach while keeping
   the existing pairs (the plan is a maximum flow: no chain of moves can seat one more reviewer).
   Running `assign` again with `existing` = old existing + `plan.new` therefore adds nothing.
2. Balance. Among all plans with maximum coverage, the loads are *decreasingly minimal*: no
   reviewer at load h can pass one of their new proposals, directly or along a chain of
   reviewers who each pass one on, to an eligible reviewer with spare capacity at load h - 2 or
   less. For this kind of problem (the reachable load vectors form an M-convex set) that local
   condition is global (Frank and Murota, "Discrete decreasing minimization", 2022): the largest
   load is as small as any plan allows, the smallest is as large as any plan allows, and the sum
   of squared loads is minimal. Loads here are over every reviewer, including those who can take
   nothing (they stay at their existing load). In particular, whenever a
   plan with max - min <= 1 exists (e.g. everybody eligible for everything, no tight max_load,
   no lopsided existing work), the returned plan has max - min <= 1. Existing pairs are fixed, so
   a reviewer who already carries more than the balanced share keeps it.
3. Track preference, only where it costs no balance: among equally loaded candidates, reviewers
   who listed the proposal's track come first, and afterwards a pair (p, r) whose reviewer did not
   list p's track is handed to one who did when that only swaps two loads (h and h - 1). This is a
   heuristic, not an optimum.
4. Determinism: the output depends on the set of inputs, not on their order. Ties are broken by a
   BLAKE2 hash of the keys (never the built-in, per-process randomised `hash()`): reviewers are
   ranked by their hash and each proposal starts from its own hashed offset in that ranking, so
   equally loaded reviewers share the work without favouring early keys.

How: eligibility is a bitmask of reviewers per proposal, built from a handful of dictionaries
(language, email, domain, affiliation, declared conflicts) instead of a proposals x reviewers
loop. A greedy pass takes proposals scarcest first and gives each the lowest-loaded eligible
reviewers; augmenting paths then fill any slot the greedy pass missed (coverage) and move work
from heavy to light reviewers (balance); a last pass improves track matches at equal balance.
Searches run on a 200-node reviewer graph, not on pairs, so 10,000 proposals x 200 reviewers
takes well under a second (bench/assign.py).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import types
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

PUBLIC_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # Addresses at these providers say nothing about where a person works, so sharing one
        # with a speaker is not a conflict. Company and university domains are.
        "163.com",
        "126.com",
        "aol.com",
        "duck.com",
        "fastmail.com",
        "fastmail.fm",
        "gmail.com",
        "gmx.at",
        "gmx.ch",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hey.com",
        "hotmail.co.uk",
        "hotmail.com",
        "hotmail.de",
        "hotmail.fr",
        "icloud.com",
        "laposte.net",
        "libero.it",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "mailbox.org",
        "me.com",
        "msn.com",
        "naver.com",
        "orange.fr",
        "outlook.com",
        "outlook.de",
        "pm.me",
        "posteo.de",
        "posteo.net",
        "proton.me",
        "protonmail.ch",
        "protonmail.com",
        "qq.com",
        "rambler.ru",
        "seznam.cz",
        "t-online.de",
        "tutanota.com",
        "tuta.io",
        "web.de",
        "wp.pl",
        "yahoo.co.jp",
        "yahoo.co.uk",
        "yahoo.com",
        "yahoo.de",
        "yahoo.fr",
        "yandex.com",
        "yandex.ru",
        "ymail.com",
        "zoho.com",
    }
)


@dataclass(frozen=True, slots=True)
class ReviewerProfile:
    key: str
    languages: frozenset[str]
    tracks: frozenset[str] = frozenset()
    max_load: int | None = None
    email: str = ""
    affiliation: str = ""
    # Proposal keys the reviewer declared a conflict with.
    conflicts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ProposalProfile:
    key: str
    language: str
    track: str = ""
    speaker_emails: tuple[str, ...] = ()
    speaker_affiliations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A proposal that ends with fewer than `wanted` reviewers, and why, for the chair to read."""

    proposal: str
    wanted: int
    got: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    # (proposal key, reviewer key) pairs to create, sorted.
    new: tuple[tuple[str, str], ...]
    # Sorted by proposal key.
    shortfalls: tuple[Shortfall, ...]
    # Final load of every reviewer, existing assignments included; read-only.
    loads: Mapping[str, int]


# --------------------------------------------------------------------------------------------
# Normalisation: the same rules serve `eligible` and the bitmask build inside `assign`.

_NON_ALNUM = re.compile(r"[\W_]+")


def _norm_token(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _norm_email(value: str) -> str:
    return _norm_token(value)


def _private_domain(email: str) -> str:
    """The domain of a normalised email, or "" when it is missing or a public provider."""
    _, at, domain = email.rpartition("@")
    domain = domain.rstrip(".")
    if not at or not domain or domain in PUBLIC_MAIL_DOMAINS:
        return ""
    return domain


def _norm_affiliation(value: str) -> str:
    # "ACME, Inc." and "acme inc" are the same employer; punctuation and spacing vary by hand.
    return " ".join(_NON_ALNUM.sub(" ", _norm_token(value)).split())


def _stable_hash(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def _conflict(*, reviewer: ReviewerProfile, proposal: ProposalProfile) -> str | None:
    """Why `reviewer` may not review `proposal` (the rule's name), or None when they may.

    `_Masks` applies the same rules in bulk; the Hypothesis oracle in the tests holds the two
    to each other.
    """
    language = _norm_token(proposal.language)
    if not language or language not in {_norm_token(x) for x in reviewer.languages}:
        return "language"
    email = _norm_email(reviewer.email)
    speaker_emails = {_norm_email(e) for e in proposal.speaker_emails}
    if email and email in speaker_emails:
        return "speaker"
    if proposal.key in reviewer.conflicts:
        return "declared"
    affiliation = _norm_affiliation(reviewer.affiliation)
    if affiliation and affiliation in {_norm_affiliation(a) for a in proposal.speaker_affiliations}:
        return "affiliation"
    domain = _private_domain(email)
    if domain and domain in {_private_domain(e) for e in speaker_emails}:
        return "domain"
    return None


def eligible(*, reviewer: ReviewerProfile, proposal: ProposalProfile) -> bool:
    """Whether the hard rules allow this pair (the `excluded` list of `assign` aside)."""
    return _conflict(reviewer=reviewer, proposal=proposal) is None


# --------------------------------------------------------------------------------------------
# Working state. Reviewers are bit positions, ordered by the stable hash of their key, so that
# "lowest set bit after a per-proposal offset" is a cheap, order-free pseudo-random tie-break.


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _rotated_pick(candidates: int, offset: int) -> int:
    above = candidates >> offset
    if above:
        return offset + (above & -above).bit_length() - 1
    return (candidates & -candidates).bit_length() - 1


@dataclass(slots=True)
class _State:
    caps: list[int]
    loads: list[int]
    # proposal -> bitmask of reviewers it may still receive (hard rules and `excluded` applied).
    eligible: list[int]
    # proposal -> bitmask of reviewers on it, existing and new.
    on: list[int]
    # reviewer -> proposals newly given to them; a dict for O(1) removal and stable order.
    new_of: list[dict[int, None]]
    # level -> bitmask of reviewers at that load who are below their cap.
    spare_at: list[int] = field(default_factory=list)
    spare_all: int = 0
    lowest: int = 0
    # reviewer -> bitmask of reviewers who could take one of their new proposals. Searches walk
    # this reviewer graph; caching it (and recomputing only reviewers marked stale) is what keeps
    # thousands of repair searches cheap.
    reach_cache: list[int] = field(default_factory=list)
    stale: int = 0

    def __post_init__(self) -> None:
        self.spare_at = [0] * (len(self.on) + max(self.loads, default=0) + 2)
        for r in range(len(self.loads)):
            self._enter(r)
        self.lowest = 0
        self.reach_cache = [0] * len(self.loads)
        self.stale = (1 << len(self.loads)) - 1

    def _leave(self, r: int) -> None:
        bit = 1 << r
        self.spare_at[self.loads[r]] &= ~bit
        self.spare_all &= ~bit

    def _enter(self, r: int) -> None:
        if self.loads[r] < self.caps[r]:
            bit = 1 << r
            self.spare_at[self.loads[r]] |= bit
            self.spare_all |= bit
            self.lowest = min(self.lowest, self.loads[r])

    def give(self, p: int, r: int) -> None:
        bit = 1 << r
        assert not self.on[p] & bit, "a reviewer may sit on a proposal only once"
        self._leave(r)
        self.loads[r] += 1
        self._enter(r)
        self.on[p] |= bit
        self.new_of[r][p] = None
        # Everyone on p now has one fewer possible taker for it.
        self.stale |= self.on[p]

    def take(self, p: int, r: int) -> None:
        del self.new_of[r][p]
        self.on[p] &= ~(1 << r)
        self._leave(r)
        self.loads[r] -= 1
        self._enter(r)
        self.stale |= self.on[p] | 1 << r

    def available(self, p: int) -> int:
        return self.eligible[p] & ~self.on[p]

    def reach(self, r: int) -> int:
        if self.stale >> r & 1:
            eligible, on = self.eligible, self.on
            mask = 0
            for p in self.new_of[r]:
                mask |= eligible[p] & ~on[p]
            self.reach_cache[r] = mask
            self.stale &= ~(1 << r)
        return self.reach_cache[r]

    def spare_up_to(self, level: int) -> int:
        mask = 0
        for lvl in range(min(level + 1, len(self.spare_at))):
            mask |= self.spare_at[lvl]
        return mask

    def least_loaded(self, mask: int) -> int:
        return min(_bits(mask), key=lambda r: (self.loads[r], r))

    def hand_over(self, chain: list[int], *, first: int = -1) -> None:
        """Move work along `chain` of reviewers: each passes one new proposal to the next.

        With `first` >= 0 the chain starts by seating chain[0] on that proposal (a slot is
        filled); otherwise chain[0] gives one away and the last reviewer ends one load higher.
        Proposals are chosen before anything moves, so every step is checked against the same
        state the search saw.
        """
        steps: list[tuple[int, int, int]] = []
        if first >= 0:
            steps.append((-1, first, chain[0]))
        for giver, taker in itertools.pairwise(chain):
            bit = 1 << taker
            p = next(p for p in self.new_of[giver] if self.available(p) & bit)
            steps.append((giver, p, taker))
        for giver, p, taker in steps:
            if giver >= 0:
                self.take(p, giver)
            self.give(p, taker)


def _search(
    state: _State, *, frontier: list[int], visited: int, targets: int
) -> tuple[list[int] | None, int]:
    """Breadth-first search for a chain of hand-overs from `frontier` to a reviewer in `targets`.

    From reviewer r the chain may continue to any reviewer who could take one of r's *new*
    proposals. Returns the chain of reviewers, first to last (or None), and the visited mask.
    """
    parent: dict[int, int] = {}
    while frontier:
        following: list[int] = []
        for r in frontier:
            candidates = state.reach(r) & ~visited
            if not candidates:
                continue
            hit = candidates & targets
            if hit:
                node = state.least_loaded(hit)
                chain = [node]
                parent[node] = r
                while node in parent:
                    node = parent[node]
                    chain.append(node)
                chain.reverse()
                return chain, visited
            visited |= candidates
            for r2 in _bits(candidates):
                parent[r2] = r
                following.append(r2)
        frontier = following
    return None, visited


# --------------------------------------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def assign(
    *,
    proposals: Sequence[ProposalProfile],
    reviewers: Sequence[ReviewerProfile],
    per_proposal: int,
    existing: Iterable[tuple[str, str]] = (),
    excluded: Iterable[tuple[str, str]] = (),
) -> AssignmentPlan:
    """Give every proposal `per_proposal` distinct eligible reviewers, as evenly as possible.

    `existing` and `excluded` are (proposal key, reviewer key) pairs. Existing pairs are kept as
    they are, even if a rule would now forbid them (removing one is the caller's decision);
    `excluded` only blocks new pairs. Pairs naming an unknown proposal or reviewer are ignored.
    See the module docstring for the guarantees. Raises ValueError on duplicate keys, a negative
    `per_proposal` or a negative `max_load`.
    """
    if per_proposal < 0:
        raise ValueError(f"per_proposal must be >= 0, got {per_proposal}")
    props = sorted(proposals, key=lambda p: p.key)
    revs = sorted(reviewers, key=lambda r: (_stable_hash(r.key), r.key))
    p_index = {p.key: i for i, p in enumerate(props)}
    r_index = {r.key: i for i, r in enumerate(revs)}
    if len(p_index) != len(props):
        raise ValueError("proposal keys must be unique")
    if len(r_index) != len(revs):
        raise ValueError("reviewer keys must be unique")
    for r in revs:
        if r.max_load is not None and r.max_load < 0:
            raise ValueError(f"reviewer {r.key!r} has a negative max_load")

    masks = _Masks.build(revs)
    excluded_mask: dict[int, int] = {}
    for pk, rk in excluded:
        if pk in p_index and rk in r_index:
            excluded_mask[p_index[pk]] = excluded_mask.get(p_index[pk], 0) | 1 << r_index[rk]

    n_props = len(props)
    on = [0] * n_props
    loads = [0] * len(revs)
    for pk, rk in set(existing):
        if pk in p_index and rk in r_index:
            on[p_index[pk]] |= 1 << r_index[rk]
            loads[r_index[rk]] += 1

    breakdowns = [masks.breakdown(p, excluded_mask.get(i, 0)) for i, p in enumerate(props)]
    state = _State(
        caps=[n_props if r.max_load is None else r.max_load for r in revs],
        loads=loads,
        eligible=[b.eligible for b in breakdowns],
        on=on,
        new_of=[{} for _ in revs],
    )
    track_mask = [masks.tracks.get(_norm_token(p.track), 0) for p in props]
    offset = [_stable_hash(p.key) % max(len(revs), 1) for p in props]

    def missing(p: int) -> int:
        return max(per_proposal - state.on[p].bit_count(), 0)

    # Scarcest first: a proposal with few possible reviewers must not find them all taken.
    order = sorted(
        range(n_props),
        key=lambda p: (state.available(p).bit_count() - missing(p), offset[p], props[p].key),
    )
    _greedy(state, order=order, missing=missing, track_mask=track_mask, offset=offset)
    _fill_gaps(state, order=order, missing=missing)
    _balance(state)
    _prefer_tracks(state, track_mask=track_mask, offset=offset)

    new = sorted((props[p].key, revs[r].key) for r in range(len(revs)) for p in state.new_of[r])
    shortfalls = tuple(
        Shortfall(
            proposal=props[p].key,
            wanted=per_proposal,
            got=state.on[p].bit_count(),
            reasons=_reasons(state, p, props[p], breakdowns[p], per_proposal),
        )
        for p in range(n_props)
        if missing(p)
    )
    loads_by_key = dict(sorted((revs[r].key, state.loads[r]) for r in range(len(revs))))
    return AssignmentPlan(
        new=tuple(new), shortfalls=shortfalls, loads=types.MappingProxyType(loads_by_key)
    )


@dataclass(frozen=True, slots=True)
class _Breakdown:
    """Reviewer bitmasks for one proposal: who reads it and who is ruled out by which rule."""

    readers: int
    speaker: int
    declared: int
    excluded: int
    affiliation: int
    domain: int

    @property
    def eligible(self) -> int:
        blocked = self.speaker | self.declared | self.excluded | self.affiliation | self.domain
        return self.readers & ~blocked


@dataclass(frozen=True, slots=True)
class _Masks:
    languages: dict[str, int]
    tracks: dict[str, int]
    emails: dict[str, int]
    domains: dict[str, int]
    affiliations: dict[str, int]
    declared: dict[str, int]

    @classmethod
    def build(cls, revs: Sequence[ReviewerProfile]) -> _Masks:
        masks = cls({}, {}, {}, {}, {}, {})

        def add(table: dict[str, int], key: str, bit: int) -> None:
            if key:
                table[key] = table.get(key, 0) | bit

        for i, r in enumerate(revs):
            bit = 1 << i
            for language in r.languages:
                add(masks.languages, _norm_token(language), bit)
            for track in r.tracks:
                add(masks.tracks, _norm_token(track), bit)
            email = _norm_email(r.email)
            add(masks.emails, email, bit)
            add(masks.domains, _private_domain(email), bit)
            add(masks.affiliations, _norm_affiliation(r.affiliation), bit)
            for key in r.conflicts:
                masks.declared[key] = masks.declared.get(key, 0) | bit
        return masks

    def breakdown(self, proposal: ProposalProfile, excluded: int) -> _Breakdown:
        speaker = domain = affiliation = 0
        for raw in proposal.speaker_emails:
            email = _norm_email(raw)
            speaker |= self.emails.get(email, 0)
            domain |= self.domains.get(_private_domain(email), 0)
        for raw in proposal.speaker_affiliations:
            affiliation |= self.affiliations.get(_norm_affiliation(raw), 0)
        return _Breakdown(
            readers=self.languages.get(_norm_token(proposal.language), 0),
            speaker=speaker,
            declared=self.declared.get(proposal.key, 0),
            excluded=excluded,
            affiliation=affiliation,
            domain=domain,
        )


def _greedy(
    state: _State,
    *,
    order: list[int],
    missing: Callable[[int], int],
    track_mask: list[int],
    offset: list[int],
) -> None:
    for p in order:
        for _ in range(missing(p)):
            available = state.available(p) & state.spare_all
            if not available:
                break
            while not state.spare_at[state.lowest]:
                state.lowest += 1
            level = state.lowest
            while not state.spare_at[level] & available:
                level += 1
            candidates = state.spare_at[level] & available
            preferred = candidates & track_mask[p]
            state.give(p, _rotated_pick(preferred or candidates, offset[p]))


def _fill_gaps(state: _State, *, order: list[int], missing: Callable[[int], int]) -> None:
    """Seat more reviewers through chains of hand-overs until coverage is maximal.

    A reviewer visited by a failed search can never lie on a later augmenting path (everything
    reachable from it is full, and augmenting elsewhere does not touch that closed set), so such
    reviewers stay `dead` for the rest of the pass and each proposal is tried until it fails once.
    """
    dead = 0
    for p in order:
        while missing(p):
            start = state.available(p) & ~dead
            if not start:
                break
            direct = start & state.spare_all
            if direct:
                state.give(p, state.least_loaded(direct))
                continue
            chain, visited = _search(
                state, frontier=list(_bits(start)), visited=start | dead, targets=state.spare_all
            )
            if chain is None:
                dead |= visited
                break
            state.hand_over(chain, first=p)


def _balance(state: _State) -> None:
    """Move new work from heavy to light reviewers until no improving chain exists.

    Levels are processed from the top. Once no chain leads from the reviewers at load h to a
    spare reviewer at h - 2 or below, later moves (which start lower and end at h - 3 or below)
    cannot create one, so one descending pass leaves the plan decreasingly minimal.
    """
    top = max(state.loads, default=0)
    for level in range(top, 1, -1):
        while True:
            targets = state.spare_up_to(level - 2)
            if not targets:
                break
            sources = [r for r, load in enumerate(state.loads) if load == level and state.new_of[r]]
            if not sources:
                break
            visited = 0
            for r in sources:
                visited |= 1 << r
            chain, _ = _search(state, frontier=sources, visited=visited, targets=targets)
            if chain is None:
                break
            state.hand_over(chain)


def _prefer_tracks(state: _State, *, track_mask: list[int], offset: list[int]) -> None:
    # Handing p from r (load h) to r2 (load h - 1) swaps their loads: the multiset, and with it
    # every balance guarantee, is unchanged, and the number of track matches grows, so it ends.
    changed = True
    while changed:
        changed = False
        for r in range(len(state.loads)):
            for p in list(state.new_of[r]):
                wanted = track_mask[p]
                if not wanted or wanted >> r & 1 or state.loads[r] == 0:
                    continue
                candidates = state.available(p) & wanted & state.spare_at[state.loads[r] - 1]
                if candidates:
                    state.take(p, r)
                    state.give(p, _rotated_pick(candidates, offset[p]))
                    changed = True


def _reasons(
    state: _State, p: int, proposal: ProposalProfile, b: _Breakdown, per_proposal: int
) -> tuple[str, ...]:
    reasons: list[str] = []
    readers = b.readers.bit_count()
    language = proposal.language
    if readers == 0:
        reasons.append(f"no reviewer reads {language!r}")
    elif readers < per_proposal:
        reasons.append(f"only {_plural(readers, 'reviewer reads', 'reviewers read')} {language!r}")
    # Each reviewer is counted under the first rule that rules them out.
    seen = 0
    for mask, one, many in (
        (b.speaker, "reviewer is a speaker on it", "reviewers are speakers on it"),
        (
            b.declared,
            "reviewer declared a conflict with it",
            "reviewers declared a conflict with it",
        ),
        (b.excluded, "reviewer was excluded from it", "reviewers were excluded from it"),
        (
            b.affiliation,
            "reviewer shares an affiliation with a speaker",
            "reviewers share an affiliation with a speaker",
        ),
        (
            b.domain,
            "reviewer shares an email domain with a speaker",
            "reviewers share an email domain with a speaker",
        ),
    ):
        count = (mask & b.readers & ~seen).bit_count()
        seen |= mask
        if count:
            reasons.append(_plural(count, one, many))
    full = (state.available(p) & ~state.spare_all).bit_count()
    if full:
        reasons.append(
            _plural(full, "eligible reviewer is", "eligible reviewers are")
            + " at capacity (max_load)"
        )
    if not reasons:
        reasons.append("no further eligible reviewer")
    return tuple(reasons)
