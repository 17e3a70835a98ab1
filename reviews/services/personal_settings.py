"""Saving a reviewer's preferences for one call from their settings page (/me/settings/).

The same row the invitation's accept page writes (``ReviewerSettings``), which assignment reads
(``services.assignment``): languages the reviewer reads, tracks they prefer, most proposals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.services.settings import UnableToSaveSettings
from reviews import models
from reviews.services.invitations import MAX_LOAD


@transaction.atomic
def save_reviewing_preferences(
    *,
    call_id: int,
    user_id: int,
    languages: Sequence[str],
    tracks: Sequence[str],
    max_load: int | None,
    now: dt.datetime,
) -> None:
    """Store the reviewer's choices for this call; refused when they no longer review for it."""
    call = cfp_models.Call.objects.filter(pk=call_id, archived_at__isnull=True).first()
    reviewing = cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=call_id, user_id=user_id
    ).exists()
    if call is None or not reviewing:
        raise UnableToSaveSettings(_("You no longer review for this call; nothing was saved."))
    offered_tracks = set(cfp_models.Track.objects.filter(call=call).values_list("slug", flat=True))
    if not languages:
        raise UnableToSaveSettings(_("Choose at least one language."))
    if not set(languages) <= set(call.languages or ("en",)) or not set(tracks) <= offered_tracks:
        raise UnableToSaveSettings(_("Choose among this call's languages and tracks."))
    if max_load is not None and not 1 <= max_load <= MAX_LOAD:
        raise UnableToSaveSettings(
            _("The most proposals you review must be between 1 and %(n)s.") % {"n": MAX_LOAD}
        )
    models.ReviewerSettings.objects.update_or_create(
        call=call,
        user_id=user_id,
        defaults={
            "languages": sorted(set(languages)),
            "tracks": sorted(set(tracks)),
            "max_load": max_load,
        },
    )
