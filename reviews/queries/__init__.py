"""The read side of reviewing and curation, one module per screen or export.

Returns frozen dataclasses, never ORM objects. Inside this app, import the module you need
(``from reviews.queries import shortlist``); other apps read through the names below.
"""

from __future__ import annotations

from reviews.queries.snapshot import current_run_id

__all__ = ["current_run_id"]
