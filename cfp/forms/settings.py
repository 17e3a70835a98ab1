"""The sections of a person's settings page (/me/settings/) and the register other apps join.

The page is a list of sections; each is a small Form with its own save function and its own
"Save" button, so saving one section never touches another. A section comes from a *provider*:
a function of the person's id returning the sections it has for them (none, one, or one per call,
as the reviewing preferences do). Providers register once at start-up (``register``): cfp's own
below, other apps' in their ``AppConfig.ready``, so cfp never imports the apps above it.

To add a section: write a Form, a keyword-only save service (raising
``cfp.services.settings.UnableToSaveSettings`` with a message for the person), and a provider
that builds ``Section(key=…, title=…, form_class=…, initial=…, save=…)``; register the provider.
The view, the template, the htmx swap and the tests of the page pick it up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cfp.queries import personal_settings
from cfp.services import settings as settings_services
from common import languages

# save(cleaned_data=…, user_id=…, now=…): store the section; raise UnableToSaveSettings to refuse.
SaveFunction = Callable[..., None]


@dataclass(frozen=True)
class Section:
    """One section of the page, for one person."""

    key: str  # unique on the page: the form prefix, the anchor and the Save button's value
    title: str
    form_class: type[forms.Form]
    save: SaveFunction
    intro: str = ""
    initial: Mapping[str, Any] = field(default_factory=dict)
    # Extra keyword arguments of the form (computed choices and the like).
    form_kwargs: Mapping[str, Any] = field(default_factory=dict)
    # Sections sort by (order, key): language (10), the reviewing sections (20), e-mail (50).
    order: int = 50
    # after_save(request, cleaned_data): what the saved choice changes in this very session (the
    # language section switches the session's language); most sections have nothing to do.
    after_save: Callable[[HttpRequest, Mapping[str, Any]], None] | None = None

    def form(self, data: Mapping[str, Any] | None = None) -> forms.Form:
        return self.form_class(
            data, prefix=self.key, initial=dict(self.initial), **dict(self.form_kwargs)
        )


Provider = Callable[[int], Sequence[Section]]

_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider of sections (once; registering the same function again changes nothing)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def sections_for(*, user_id: int) -> tuple[Section, ...]:
    """Every section this person has, in page order."""
    found = [s for provider in _PROVIDERS for s in provider(user_id)]
    keys = [s.key for s in found]
    if len(keys) != len(set(keys)):  # pragma: no cover - a programming error, caught in tests
        raise ValueError(f"two settings sections share a key: {sorted(keys)}")
    return tuple(sorted(found, key=lambda s: (s.order, s.key)))


# --- cfp's own sections -------------------------------------------------------------------


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the pages and of the e-mails we send you"),
        required=False,
        help_text=_(
            "Not chosen: the language you last picked at the foot of a page, else your browser's."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Not chosen")), *settings.LANGUAGES]


def _save_language(*, cleaned_data: Mapping[str, Any], user_id: int, now: dt.datetime) -> None:
    settings_services.save_language(
        user_id=user_id, language=languages.supported(cleaned_data["language"]), now=now
    )


def _switch_session_language(request: HttpRequest, cleaned_data: Mapping[str, Any]) -> None:
    code = languages.supported(cleaned_data["language"])
    languages.remember(request, code)
    if code:
        # The confirmation of this very save already speaks the chosen language.
        translation.activate(code)


class MailPreferencesForm(forms.Form):
    decision_mail = forms.BooleanField(
        label=_("Mail me when the committee's decision on my proposal is sent"),
        required=False,
        help_text=_("The decision is always on your proposal's page too."),
    )
    reviewer_reminders = forms.BooleanField(
        label=_("Let the chairs send me reminders of reviews I have not finished"),
        required=False,
        help_text=_("At most one a day, and only when reviews assigned to you are open."),
    )


def _save_mail(*, cleaned_data: Mapping[str, Any], user_id: int, now: dt.datetime) -> None:
    settings_services.save_mail_preferences(
        user_id=user_id,
        decision_mail=bool(cleaned_data["decision_mail"]),
        reviewer_reminders=bool(cleaned_data["reviewer_reminders"]),
        now=now,
    )


@register
def personal_sections(user_id: int) -> Sequence[Section]:
    """Language and e-mail: both from the one settings row (one query)."""
    stored = personal_settings.preferences(user_id=user_id)
    prefs = stored.mail
    return (
        Section(
            key="language",
            title=str(_("Language")),
            form_class=LanguageForm,
            initial={"language": stored.language},
            save=_save_language,
            after_save=_switch_session_language,
            order=10,
        ),
        Section(
            key="mail",
            title=str(_("E-mail")),
            intro=str(_("Which e-mails you want from us. Receipts and sign-in links always go.")),
            form_class=MailPreferencesForm,
            initial={
                "decision_mail": prefs.decision_mail,
                "reviewer_reminders": prefs.reviewer_reminders,
            },
            save=_save_mail,
        ),
    )
