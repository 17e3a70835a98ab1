"""A discussion post, as its writer typed it (the text is kept on every refusal), and the
digest opt-out section of the personal settings page."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cfp.forms import settings as settings_forms
from cfp.forms.fields import clean_text
from reviews.queries import discussion as queries
from reviews.services import discussion as services


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your post"),
        max_length=services.MAX_POST,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Other reviewers see you as a letter. Names of people are held back from them, "
            "whoever they name."
        ),
    )

    def clean_body(self) -> str:
        return clean_text(self.cleaned_data["body"]).strip()


class DigestForm(forms.Form):
    discussion_digest = forms.BooleanField(
        label=_("Send me a daily e-mail when there are new posts in discussions I take part in"),
        required=False,
        help_text=_("It names proposals by code and counts posts; it never quotes them."),
    )


def _save_digest(
    *, call_id: int, cleaned_data: Mapping[str, Any], user_id: int, now: dt.datetime
) -> None:
    services.set_digest(
        call_id=call_id,
        user_id=user_id,
        enabled=bool(cleaned_data["discussion_digest"]),
        now=now,
    )


def digest_sections(user_id: int) -> Sequence[settings_forms.Section]:
    """One section per call the person reviews for (registered in ``ReviewsConfig.ready``)."""
    return tuple(
        settings_forms.Section(
            key=f"digest-{p.call_slug}",
            title=gettext("Committee discussion for %(call)s") % {"call": p.call_name},
            form_class=DigestForm,
            initial={"discussion_digest": p.enabled},
            save=functools.partial(_save_digest, call_id=p.call_id),
            order=30,
        )
        for p in queries.digest_preferences(user_id=user_id)
    )
