"""Which text of a proposal a viewer gets, read from the row or selected as a column.

The decision is ``cfp.domain.visibility`` (``Part.CONTENT``): the text as the speaker wrote it,
the leak scanner's redacted copy (``Proposal.redacted``), or nothing. This module only turns that
answer into the value or the database column to read, for every page, list and export.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import CharField, F, Value
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform

from cfp import models as cfp_models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Shown, Viewer

FIELDS = ("title", "abstract", "description", "notes")


def pick(
    *, viewer: Viewer, phase: Phase, field: str, raw: str, redacted: Mapping[str, object] | None
) -> str:
    """The viewer's text of ``field``, given the raw text and the stored redacted copies."""
    return visibility.pick(
        viewer=viewer,
        part=Part.CONTENT,
        phase=phase,
        raw=raw or "",
        redacted=str((redacted or {}).get(field, "") or ""),
    )


def texts(*, viewer: Viewer, phase: Phase, proposal: cfp_models.Proposal) -> dict[str, str]:
    """Every field of :data:`FIELDS` as the viewer gets it, from a loaded proposal row."""
    return {
        field: pick(
            viewer=viewer,
            phase=phase,
            field=field,
            raw=getattr(proposal, field),
            redacted=proposal.redacted,
        )
        for field in FIELDS
    }


def column(
    *, viewer: Viewer, phase: Phase, field: str = "title", prefix: str = ""
) -> Combinable | KeyTextTransform:
    """The column holding the viewer's text of ``field`` (``prefix`` names a relation)."""
    shown = visibility.shown(viewer=viewer, part=Part.CONTENT, phase=phase)
    if shown is Shown.RAW:
        return F(f"{prefix}{field}")
    if shown is Shown.REDACTED:
        return KeyTextTransform(field, f"{prefix}redacted")
    return Value("", output_field=CharField())
