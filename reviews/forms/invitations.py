"""Input parsing for reviewer invitations: the chair's addresses, the invitee's preferences."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cfp.domain import languages as talk_languages
from reviews.forms import inputs
from reviews.services import invitations


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses"),
        help_text=_("One or more addresses, separated by commas, spaces or new lines."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )
    may_forward = forms.BooleanField(
        label=_("Each link may be passed on to someone else"),
        help_text=_(
            "Off: only someone signed in with the address the link was sent to can accept it. "
            "Turn on for a shared mailbox, or for someone who will forward it to a colleague."
        ),
        required=False,
    )
    # Issue 25: the same links invite mentors, who help speakers with drafts and never review.
    role = forms.ChoiceField(
        label=_("Invite them as"),
        choices=[("reviewer", _("Reviewers")), ("mentor", _("Mentors"))],
        initial="reviewer",
        required=False,
    )

    def clean_role(self) -> str:
        return str(self.cleaned_data.get("role") or "reviewer")

    def clean_emails(self) -> list[str]:
        raw = inputs.clean_text(self.cleaned_data["emails"])
        found = [e for e in re.split(r"[\s,;]+", raw) if e]
        bad = [e for e in found if not invitations.is_email(e)]
        if bad and len(bad) == len(found):
            raise ValidationError(
                _("These are not e-mail addresses: %(bad)s") % {"bad": ", ".join(bad[:10])}
            )
        # Some bad among good ones: the good are invited and the bad reported by themselves
        # (invitations.invite_reviewers), so one typo does not hold up a batch of fifty.
        if not found:
            raise ValidationError(_("Give at least one e-mail address."))
        if len(set(found)) > invitations.MAX_EMAILS:
            raise ValidationError(
                _("Invite at most %(n)s people at a time.") % {"n": invitations.MAX_EMAILS}
            )
        return found


class AcceptInvitationForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Talk languages you can review"),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Choose at least one language.")},
    )
    tracks = forms.MultipleChoiceField(
        label=_("Tracks you prefer (optional: none means any)"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    max_load = forms.IntegerField(
        label=_("The most proposals you want to review (optional)"),
        required=False,
        min_value=1,
        max_value=invitations.MAX_LOAD,
    )

    def __init__(
        self,
        *args: Any,
        languages: tuple[str, ...],
        tracks: tuple[tuple[str, str], ...],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["languages"].choices = [
            (code, talk_languages.language_name(code)) for code in languages
        ]
        fields["tracks"].choices = list(tracks)
