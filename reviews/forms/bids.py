"""Input of the bidding screen and the expertise profile."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cfp.forms import settings as settings_forms
from cfp.services.settings import UnableToSaveSettings
from reviews import models
from reviews.queries import bids as bid_queries
from reviews.services import bids as bid_services

# The segmented control, in the order of its keys: 1/e, 2/w, 3/n, 4/c; 0 clears.
LEVEL_CHOICES = [
    (models.BidLevel.EAGER.value, _("Eager")),
    (models.BidLevel.WILLING.value, _("Willing")),
    (models.BidLevel.NOT_FOR_ME.value, _("Not for me")),
    (models.BidLevel.CONFLICT.value, _("Conflict")),
]
LEVEL_KEYS = {
    models.BidLevel.EAGER.value: ("1", "e"),
    models.BidLevel.WILLING.value: ("2", "w"),
    models.BidLevel.NOT_FOR_ME.value: ("3", "n"),
    models.BidLevel.CONFLICT.value: ("4", "c"),
    bid_services.NO_BID: ("0", "x"),
}
BID_FILTER_CHOICES = [
    ("", _("Any bid")),
    ("none", _("No bid yet")),
    *LEVEL_CHOICES,
]


class BidForm(forms.Form):
    """One row's segmented control; its "Clear bid" button (``clear``) withdraws the bid.

    The level is checked by the service, after it has found the proposal: a proposal the
    reviewer may not bid on is "not found" whatever the form holds.
    """

    level = forms.CharField(required=False, max_length=40)
    clear = forms.BooleanField(required=False)

    def level_value(self) -> str:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        if cleaned.get("clear"):
            return bid_services.NO_BID
        return str(cleaned.get("level") or "")


class SearchInput(forms.TextInput):
    input_type = "search"


class BidFilterForm(forms.Form):
    """Parses the screen's filters; an unknown value drops that filter, not the others."""

    q = forms.CharField(
        label=_("Search titles and abstracts"),
        required=False,
        max_length=200,
        widget=SearchInput(attrs={"autocomplete": "off"}),
    )
    track = forms.ChoiceField(label=_("Track"), required=False)
    bid = forms.ChoiceField(label=_("My bid"), required=False, choices=BID_FILTER_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, tracks: tuple[tuple[str, str], ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["track"].choices = [("", _("Any track")), *tracks]

    def values(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "search": str(cleaned.get("q") or ""),
            "track": str(cleaned.get("track") or ""),
            "level": str(cleaned.get("bid") or ""),
            "page": int(cleaned.get("page") or 1),
        }


def filter_query(data: Any) -> dict[str, str]:
    """The filters to carry along in links and redirects (raw, bounded; parsed again on use)."""
    return {k: str(data.get(k, ""))[:200] for k in ("q", "track", "bid") if data.get(k)}


class ExpertiseForm(forms.Form):
    topics = forms.CharField(
        label=_("Topics you know well"),
        required=False,
        max_length=bid_services.MAX_TOPICS,
        help_text=_("Separate topics with commas, e.g. Django ORM, accessibility, testing."),
    )
    statement = forms.CharField(
        label=_("A few lines about what you know"),
        required=False,
        max_length=bid_services.MAX_STATEMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Used only to suggest proposals that fit you; speakers and other reviewers never "
            "see it."
        ),
    )


class PastTalksForm(forms.Form):
    reviewer = forms.IntegerField(widget=forms.HiddenInput)
    past_talks = forms.CharField(
        label=_("Past talks (titles and abstracts)"),
        required=False,
        max_length=bid_services.MAX_PAST_TALKS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One talk per paragraph: the title on the first line, the abstract below."),
    )


# --- the expertise section of the person's settings page (/me/settings/) -----------------------


def _save_expertise(
    *, call_id: int, cleaned_data: Mapping[str, Any], user_id: int, now: dt.datetime
) -> None:
    try:
        bid_services.save_expertise(
            call_id=call_id,
            reviewer_id=user_id,
            topics=cleaned_data["topics"],
            statement=cleaned_data["statement"],
            now=now,
        )
    except bid_services.UnableToSaveExpertise as exc:
        raise UnableToSaveSettings(str(exc)) from exc


def expertise_sections(user_id: int) -> Sequence[settings_forms.Section]:
    """One section per call the person reviews for, after the reviewing preferences."""
    return tuple(
        settings_forms.Section(
            key=f"expertise-{e.call_slug}",
            title=gettext("Your expertise for %(call)s") % {"call": e.call_name},
            intro=gettext(
                "Topics and a few lines about what you know: assignment prefers proposals that "
                "fit them. Only the chairs see this."
            ),
            form_class=ExpertiseForm,
            initial={"topics": e.topics, "statement": e.statement},
            save=functools.partial(_save_expertise, call_id=e.call_id),
            order=21,
        )
        for e in bid_queries.expertise_by_call(user_id=user_id)
    )
