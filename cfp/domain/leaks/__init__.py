"""Find where a proposal's reviewer-visible text reveals who its speakers are.

Reviewers see titles, abstracts, descriptions, notes and custom answers only after this scanner
has run over them. It looks for six kinds of leak (see `FindingKind`) and returns spans in the
*original* text, so the Django layer can highlight them for the chair or replace them with a
marker for reviewers. A chair who disagrees with a finding marks its span as ignored, and
`redact_text` then leaves it in place.

Matching works on a folded copy of the text: NFKD, combining marks dropped, case-folded, plus a
few letters NFKD does not decompose (ł, ø, ß, the dotless i...). An index map takes folded
offsets back to the original text, so "JOSÉ" in the text matches the speaker "Jose" and the span
still covers the accented original.

Design decisions maintainers should know before changing the rules:

- Names match on word boundaries, where letters and digits are word characters and the
  underscore is not: "Doe" is found in "Doe's" and "jane_doe" but not in "Doerr", and "Ann" is not
  found in "Anderson". Scripts written without spaces (Han, kana, Hangul, Thai) match anywhere.
- A name part is *distinctive* when it has at least three letters (two for those scripts) and
  is not in `_COMMON_WORDS` (ordinary words such as "Will", "Grace", "Young") or, unless it is the
  surname, in `_COMMON_GIVEN_NAMES` ("John"). A distinctive part is flagged on its own; the others
  only as part of a run of adjacent name parts: the name in order (case-insensitive) or
  capitalised beside another part ("Grace Hopper", or surname first: "Hopper, Grace"), or after
  "I'm" / "my name is".
- Any email address and any @handle is flagged, not only the speakers' own: they are rarely
  needed to judge a talk and the cost of a false positive is one marker.
- Links are flagged when they point to a personal profile (GitHub, GitLab, Twitter/X, LinkedIn,
  Mastodon-style /@user, Bluesky, Speaker Deck, SlideShare, personal blog hosts), to a speaker's
  own `links`, or when they contain a speaker's name part. Links to projects on GitHub count as
  profile links: the owner in the path is often the speaker.
- Overlapping candidates are merged into their union, named after the longest (then the most
  specific) member, so redaction can never leave half a name behind.

Speed: the static patterns are compiled once, at import; nothing is compiled per talk. Each
speaker's name parts are looked for with a plain substring search and a written-out word
boundary test; phrases by their leading word, a literal search; a speaker set's tokens and URL
names are built once and cached. The rule for every pass: a few passes over the text in C, then
constant work per candidate (``work`` counts both; tests/domain/test_leak_work.py bounds them,
bench/scan_timing.py times them). The real-talk corpus (8,966 abstracts) scans in about 2.8 s
of CPU; see bench/leak_scanner.py.

The package, in reading order: ``kinds`` (what a finding is), ``folding``, ``words`` (the word
lists), one module per kind of evidence (``names``, ``links`` for addresses, handles and links,
``affiliations``, ``phrases``), ``visible`` (the text as a reader sees it: entities, invisible
and look-alike characters, markup splits, link syntax, spaced letters undone, mapped back to the
source), ``scanning`` (merge, the fail-closed re-check, redact) and ``work`` (the counters).
Callers use the names below: ``scan`` reads a text as typed and as shown, without rendering it;
``scan_rendered`` also reads the Markdown rendering of the redaction where link syntax could
move text around, and is what every stored redaction and ``redact_text`` use.
"""

from __future__ import annotations

from cfp.domain.leaks.folding import fold
from cfp.domain.leaks.kinds import Finding, FindingKind, SpeakerIdentity, explain
from cfp.domain.leaks.names import distinctive_parts
from cfp.domain.leaks.scanning import redact, redact_text, scan, scan_rendered

__all__ = [
    "Finding",
    "FindingKind",
    "SpeakerIdentity",
    "distinctive_parts",
    "explain",
    "fold",
    "redact",
    "redact_text",
    "scan",
    "scan_rendered",
]
