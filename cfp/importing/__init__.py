"""Import proposals from JSON Lines: the write side behind ``manage.py import_proposals``.

``lines`` reads and checks the file, ``choices`` matches formats and tracks, ``speakers`` matches
and writes the speakers, ``load`` writes the proposals; this facade re-exports what the command,
the reviews importer and the tests use.

The format is PRODUCT.md's "Import format": one JSON object a line, unknown keys refused. The
import has two phases. First every line is read and checked, and each bad line is reported with
its number and reason; a file with any bad line imports nothing unless ``skip_invalid`` is set.
Then, in one transaction, the valid lines are written with bulk inserts, because the real talk
corpus (about 9,000 proposals) must import in well under a minute.

Rules maintainers should know before changing them:

- A line is the whole truth about its proposal: an absent optional key means the default
  (no description, no track, level "intermediate", language "en"), so re-importing a corrected
  file converges on it. Only ``submitted_at`` keeps the stored value when absent, since it
  records when the proposal first arrived.
- Speakers are shared between proposals and calls, so a line only sets the speaker fields it
  names; the others keep their stored value. When several lines name the same e-mail address,
  the later line wins. Speakers who have an account are never changed by an import: their
  profile is theirs.
- A speaker without an e-mail address gets a placeholder ``speaker-<hash>@speakers.invalid``
  (RFC 2606 reserves ``.invalid``, so nothing is ever delivered to it). The hash covers the
  call, the external id and the name, so a re-import finds the same person again but two
  different people who share a name are never merged on a guess.
- Re-importing is idempotent on ``external_id``: a proposal whose values all match is counted
  unchanged and not written. A change of the reviewer-visible text bumps the version and keeps
  a ``ProposalVersion``, as an edit in the browser does. Redacted text and findings are
  recomputed whenever the text or the speakers' identities change.
- ``duration`` is checked but not stored: proposals have no length of their own, the format
  carries it (and in the real talk data it is the recording's length, not the slot).
"""

from __future__ import annotations

from cfp.importing.lines import (
    LineError,
    ProposalLine,
    SpeakerLine,
    UnableToImport,
    parse_line,
    read_lines,
)
from cfp.importing.load import ImportResult, import_proposals
from cfp.importing.speakers import placeholder_email

__all__ = [
    "ImportResult",
    "LineError",
    "ProposalLine",
    "SpeakerLine",
    "UnableToImport",
    "import_proposals",
    "parse_line",
    "placeholder_email",
    "read_lines",
]
