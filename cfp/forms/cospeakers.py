"""The owner's changes to a proposal's speakers: invite, withdraw an invitation, remove."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SpeakerActionForm(forms.Form):
    """The owner's changes to the speaker line-up: invite, withdraw an invitation, remove."""

    action = forms.ChoiceField(
        choices=[("invite", "invite"), ("revoke", "revoke"), ("remove", "remove")]
    )
    email = forms.EmailField(label=_("Co-speaker's e-mail address"), required=False, max_length=254)
    invite = forms.IntegerField(required=False, min_value=1)
    speaker = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        action = d.get("action")
        if action == "invite" and not d.get("email") and "email" not in self.errors:
            self.add_error("email", _("Type the e-mail address to invite."))
        if action == "revoke" and not d.get("invite"):
            self.add_error(None, _("Choose an invitation to withdraw."))
        if action == "remove" and not d.get("speaker"):
            self.add_error(None, _("Choose a speaker to remove."))
        return d
