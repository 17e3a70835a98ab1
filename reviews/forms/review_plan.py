"""Input of the extra-review settings and of starting the consistency experiment (issue 22)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.services import review_plan as services


class ExtraReviewsForm(forms.Form):
    extra_reviews = forms.BooleanField(
        label=_("Ask for extra reviews where the outcome is uncertain"),
        required=False,
        help_text=_(
            "After each aggregation, a proposal whose chance in slots is between 10 % and 90 % "
            "gets one more reviewer once its reviews are in, up to the cap."
        ),
    )
    extra_cap = forms.IntegerField(
        label=_("Reviews per proposal at most, extra ones included"),
        min_value=1,
        max_value=20,
        help_text=_("In the consistency experiment this applies to each pool."),
    )


class ExperimentForm(forms.Form):
    percent = forms.IntegerField(
        label=_("Share of proposals reviewed by both pools (%)"),
        min_value=1,
        max_value=services.MAX_EXPERIMENT_PERCENT,
        initial=10,
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that each of these proposals gets a second set of reviewers, and that "
            "the experiment cannot be stopped once it has started."
        ),
        required=True,
        error_messages={"required": _("Tick the box to confirm.")},
    )
