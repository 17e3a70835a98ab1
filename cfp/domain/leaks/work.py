"""Counting the scanner's work, so tests can bound it without a clock.

Two numbers, because the scanner does two kinds of work:

- ``chars``: characters read by passes over a whole text (a regular expression, a fold, a
  translation, a split, a rendering); each pass adds the length of the text it reads. These run
  in C, at a few nanoseconds a character.
- ``checks``: candidates looked at one at a time in Python (a match to classify, a token
  occurrence to map back, a candidate to merge, a finding to build or redact), each costing
  about as much as ``CHECK_CHARS`` characters of a pass.

``cost`` weighs them together. A scan whose cost is linear in the length of its text, and within
a small factor of ordinary prose of the same length, runs in linear time whatever the text; the
timing of the same shapes lives in bench/scan_timing.py, which also prints the measured weight.

Counting is off unless a test asks for it (``counting()``); then each call costs a list test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Characters of a C pass that cost as much as one candidate checked in Python: measured with
# bench/scan_timing.py --calibrate (6 ns a character-pass, 1-3 us a check; median 337 over
# the bench's shapes, 158-475 leaving out URLs, whose checks do more and are under-counted).
CHECK_CHARS = 300


@dataclass(slots=True)
class Work:
    chars: int = 0
    checks: int = 0

    @property
    def cost(self) -> int:
        return self.chars + CHECK_CHARS * self.checks


_counters: list[Work] = []


def read(length: int) -> None:
    """A pass over a whole text of `length` characters."""
    if _counters:
        _counters[-1].chars += length


def checked(count: int = 1) -> None:
    """`count` candidates looked at one at a time."""
    if _counters:
        _counters[-1].checks += count


@contextmanager
def counting() -> Iterator[Work]:
    """Count the work done inside the block."""
    work = Work()
    _counters.append(work)
    try:
        yield work
    finally:
        _counters.pop()
