"""Input of the chair's manual assignment and of the "Run assignment" control."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.queries import manual_assignment as queries

MODE_CHOICES = [
    ("total", _("Best total fit")),
    ("fair", _("Fairest: the worst-served proposal first")),
    ("randomised", _("Randomised: cap each bid's pull at q")),
]


class AssignForm(forms.Form):
    """The select of the proposal's eligible reviewers, least loaded first.

    Only renders: a post is parsed by ``ReviewerIdForm`` and every reviewer id goes to the
    service, so one the rules forbid (a stale page, a conflict declared meanwhile) is refused
    with the proposal and the reason, not with a generic "invalid choice".
    """

    reviewer = forms.TypedChoiceField(
        label=_("Reviewer"),
        coerce=int,
        error_messages={
            "required": _("Choose a reviewer."),
            "invalid_choice": _("Choose a reviewer from the list."),
        },
    )

    def __init__(self, *args: Any, panel: queries.ProposalPanel | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        candidates = panel.candidates if panel else ()
        fields["reviewer"].choices = [("", _("Choose a reviewer"))] + [
            (
                c.reviewer_id,
                f"{c.name} ({c.load}{'/' + str(c.max_load) if c.max_load is not None else ''})",
            )
            for c in candidates
            if c.eligible
        ]


class ReviewerIdForm(forms.Form):
    reviewer = forms.IntegerField(
        min_value=1,
        error_messages={"required": _("Choose a reviewer."), "invalid": _("Choose a reviewer.")},
    )


class ProposalCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Proposal code"),
        max_length=20,
        error_messages={"required": _("Type the proposal's code, e.g. K7Q2XM.")},
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()


class RunAssignmentForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="total")
    q = forms.FloatField(
        label=_("q (randomised only)"),
        required=False,
        min_value=0.05,
        max_value=1.0,
        initial=0.75,
        help_text=_("The highest chance any single bid gives a reviewer a given proposal."),
    )
    per_proposal = forms.IntegerField(
        label=_("Reviewers per proposal"), required=False, min_value=1, max_value=20
    )
