"""The confirmation form for deleting a settings row: where its proposals go first."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp.queries import deletion

# The choice that moves a track's proposals to no track at all.
NO_TRACK = "none"


class MoveForm(forms.Form):
    move_to = forms.ChoiceField(label=_("Move its proposals to"), required=False)

    def __init__(self, *args: Any, impact: deletion.DeletionImpact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.impact = impact
        choices: list[tuple[str, str]] = [("", str(_("Choose…")))]
        choices += [(str(t.id), t.name) for t in impact.targets]
        if impact.section == "tracks":
            choices.append((NO_TRACK, str(_("No track"))))
        field: Any = self.fields["move_to"]
        field.choices = choices
        field.required = impact.movable and impact.used_by > 0

    def delete_kwargs(self) -> dict[str, Any]:
        """The keyword arguments the section's delete service takes for the chosen target."""
        chosen = self.cleaned_data.get("move_to") or ""
        if not self.impact.movable or not chosen:
            return {}
        if chosen == NO_TRACK:
            return {"clear": True}
        return {"move_to_id": int(chosen)}
