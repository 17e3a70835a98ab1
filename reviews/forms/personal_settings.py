"""The reviewing sections of a person's settings page: one per call they review for.

Registered with ``cfp.forms.settings`` in ``ReviewsConfig.ready``; the form is the one the
invitation's accept page uses, so both ask the same questions with the same limits.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from cfp.forms import settings as settings_forms
from reviews.forms.invitations import AcceptInvitationForm
from reviews.queries import personal_settings as queries
from reviews.services import personal_settings as services


def _save(*, call_id: int, cleaned_data: Mapping[str, Any], user_id: int, now: dt.datetime) -> None:
    services.save_reviewing_preferences(
        call_id=call_id,
        user_id=user_id,
        languages=list(cleaned_data["languages"]),
        tracks=list(cleaned_data["tracks"]),
        max_load=cleaned_data["max_load"],
        now=now,
    )


def reviewing_sections(user_id: int) -> Sequence[settings_forms.Section]:
    return tuple(
        settings_forms.Section(
            key=f"review-{p.call_slug}",
            title=_("Reviewing for %(call)s") % {"call": p.call_name},
            intro=_(
                "Assignment gives you proposals in these languages, prefers these tracks, "
                "and never gives you more than your maximum."
            ),
            form_class=AcceptInvitationForm,
            form_kwargs={"languages": p.offered_languages, "tracks": p.offered_tracks},
            initial={
                # No choice saved: assignment counts every language of the call, so say so.
                "languages": list(p.languages or p.offered_languages),
                "tracks": list(p.tracks),
                "max_load": p.max_load,
            },
            save=functools.partial(_save, call_id=p.call_id),
            order=20,
        )
        for p in queries.reviewing_preferences(user_id=user_id)
    )
