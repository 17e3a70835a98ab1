"""Input parsing and validation for submitters. Choices come computed from the call."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cfp import models, queries, services
from cfp.domain import visibility
from common import redirects

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
    "it": "Italiano",
    "pt": "Português",
    "pl": "Polski",
    "nl": "Nederlands",
    "ja": "日本語",
    "zh": "中文",
}


def _clean_text(value: str) -> str:
    # NUL bytes are refused by PostgreSQL and never meaningful in a proposal.
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))
    return value.strip()


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    abstract = forms.CharField(
        label=_("Abstract"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown to reviewers without your name. Up to 3,000 characters."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown. The outline and what attendees will learn."),
    )
    notes = forms.CharField(
        label=_("Notes for reviewers"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    format = forms.ChoiceField(label=_("Format"))
    track = forms.ChoiceField(label=_("Track"), required=False)
    level = forms.ChoiceField(label=_("Audience level"), choices=models.Level.choices)
    language = forms.ChoiceField(label=_("Talk language"))
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(
        self,
        *args: Any,
        call: queries.CallSummary,
        questions: tuple[queries.QuestionRow, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["format"].choices = [
            (f.slug, f"{f.name} ({f.duration_minutes} min)") for f in call.formats
        ]
        fields["track"].choices = [("", _("No preference")), *call.tracks]
        fields["language"].choices = [
            (code, LANGUAGE_NAMES.get(code, code)) for code in (call.languages or ("en",))
        ]
        self.questions = questions
        for q in questions:
            fields[question_field_name(q.id)] = question_field(q)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[question_field_name(q.id)] for q in self.questions]

    def base_fields_shown(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith("q_")]

    def clean_title(self) -> str:
        return _clean_text(self.cleaned_data["title"])

    def clean_abstract(self) -> str:
        return _clean_text(self.cleaned_data["abstract"])

    def clean_description(self) -> str:
        return _clean_text(self.cleaned_data["description"])

    def clean_notes(self) -> str:
        return _clean_text(self.cleaned_data["notes"])

    def data_object(self) -> services.ProposalData:
        d = self.cleaned_data
        return services.ProposalData(
            title=d["title"],
            abstract=d["abstract"],
            description=d["description"],
            notes=d["notes"],
            format_slug=d["format"],
            track_slug=d["track"] or "",
            level=d["level"],
            language=d["language"],
            answers=tuple(
                services.AnswerInput(
                    question_id=q.id, value=answer_value(q, d.get(question_field_name(q.id)))
                )
                for q in self.questions
            ),
        )


def question_field_name(question_id: int) -> str:
    return f"q_{question_id}"


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character; remove it and try again."))


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def question_field(q: queries.QuestionRow) -> forms.Field:
    """The form field for one of the call's questions, by its kind."""
    hints = [q.help_text] if q.help_text else []
    if q.per_speaker:
        hints.append(str(_("Each speaker answers this for themself.")))
    hints.append(
        str(_("Reviewers see this answer, without your name."))
        if q.for_reviewers
        else str(_("Only the chairs see this answer."))
    )
    common: dict[str, Any] = {
        "label": q.label,
        "required": q.required,
        "help_text": " ".join(hints),
    }
    kind = models.QuestionKind
    choices = [(c, c) for c in q.choices]
    if q.kind == kind.SHORT_TEXT:
        return forms.CharField(max_length=300, validators=[_no_nul], **common)
    if q.kind == kind.LONG_TEXT:
        return forms.CharField(
            max_length=5000,
            validators=[_no_nul],
            widget=forms.Textarea(attrs={"rows": 4}),
            **common,
        )
    if q.kind == kind.NUMBER:
        return forms.FloatField(**common)
    if q.kind == kind.URL:
        return forms.URLField(
            max_length=500,
            assume_scheme="https",
            validators=[URLValidator(schemes=["http", "https"])],
            **common,
        )
    if q.kind == kind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if q.kind == kind.CHOOSE_ONE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)


def answer_value(
    q: queries.QuestionRow, cleaned: Any
) -> str | float | bool | tuple[str, ...] | None:
    """A cleaned form value as the service takes it."""
    if cleaned is None or cleaned == "" or cleaned == []:
        return None
    if q.kind == models.QuestionKind.YES_NO:
        return bool(cleaned == "yes")
    if q.kind == models.QuestionKind.CHOOSE_MANY:
        return tuple(cleaned)
    if q.kind == models.QuestionKind.NUMBER:
        return float(cleaned)
    return str(cleaned)


def answer_initial(q: queries.QuestionRow, stored: object) -> object:
    """A stored answer as the form field shows it."""
    if stored is None:
        return None
    if q.kind == models.QuestionKind.YES_NO:
        return "yes" if stored else "no"
    return stored


def answers_initial(
    questions: tuple[queries.QuestionRow, ...], stored: dict[int, object]
) -> dict[str, object]:
    return {question_field_name(q.id): answer_initial(q, stored.get(q.id)) for q in questions}


class ScanForm(forms.Form):
    """The reviewer-visible fields, as typed so far, for the live leak check."""

    title = forms.CharField(required=False, max_length=250)
    abstract = forms.CharField(required=False, max_length=3000)
    description = forms.CharField(required=False, max_length=20000)
    notes = forms.CharField(required=False, max_length=5000)
    # On an existing proposal the check uses every speaker's identity, not only the typist's.
    code = forms.CharField(required=False, max_length=12)

    def __init__(
        self, *args: Any, questions: tuple[queries.QuestionRow, ...] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scanned_questions = tuple(
            q for q in questions if q.for_reviewers and q.kind in services.TEXT_KINDS
        )
        for q in self.scanned_questions:
            self.fields[question_field_name(q.id)] = forms.CharField(
                required=False, max_length=5000
            )

    def texts(self) -> dict[str, str]:
        """Field key (as in ``Proposal.findings``) → the text typed so far."""
        d = self.cleaned_data
        out = {name: d[name] for name in services.REVIEWER_FIELDS if d.get(name)}
        for q in self.scanned_questions:
            if d.get(question_field_name(q.id)):
                out[services.answer_key(q.id)] = d[question_field_name(q.id)]
        return out


TRI_STATE = [("", _("Prefer not to say")), ("yes", _("Yes")), ("no", _("No"))]


def _tri(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    bio = forms.CharField(
        label=_("Short bio"), max_length=2000, required=False, widget=forms.Textarea
    )
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False)
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: website, GitHub, Mastodon…"),
    )
    region = forms.CharField(label=_("Country or region"), max_length=100, required=False)
    spoken_before = forms.ChoiceField(
        label=_("Have you spoken at a conference before?"), choices=TRI_STATE, required=False
    )
    english_additional = forms.ChoiceField(
        label=_("Is English an additional language for you?"), choices=TRI_STATE, required=False
    )
    wants_mentor = forms.ChoiceField(
        label=_("Would you like a mentor?"), choices=TRI_STATE, required=False
    )

    def clean_links(self) -> tuple[str, ...]:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = URLValidator(schemes=["http", "https"])
        for line in lines:
            try:
                validate(line)
            except ValidationError as exc:
                raise ValidationError(
                    _("“%(link)s” is not a web address starting with https://.") % {"link": line}
                ) from exc
        return tuple(lines[:10])

    def data_object(self) -> services.ProfileData:
        d = self.cleaned_data
        return services.ProfileData(
            name=d["name"],
            bio=d["bio"],
            affiliation=d["affiliation"],
            links=d["links"],
            region=d["region"],
            spoken_before=_tri(d["spoken_before"]),
            english_additional=_tri(d["english_additional"]),
            wants_mentor=_tri(d["wants_mentor"]),
        )


def tri_initial(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "") if value is not None else ""


class SignUpForm(forms.Form):
    """Name and address only: the password is chosen on the page the e-mailed link opens, so
    an account never holds a password that the owner of its address did not type."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    # Where to go once the address is confirmed (an invitation link, say); local paths only.
    next = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def clean_next(self) -> str:
        return redirects.local_path(self.cleaned_data["next"])


class ConfirmAddressForm(forms.Form):
    """The page behind the e-mailed link: the owner of the address chooses the password."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Type it again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_name(self) -> str:
        return _clean_text(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        first, second = d.get("password1"), d.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            # An unsaved account, so that the "too similar to your name or address" check runs.
            account = get_user_model()(
                username=self.email, email=self.email, first_name=d.get("name", "")
            )
            try:
                password_validation.validate_password(first, account)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return d


class PlainPasswordResetForm(PasswordResetForm):
    """Django's reset form, but its e-mail templates get the display name, not the User row."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.pop("user", None)
        context["display_name"] = (getattr(user, "first_name", "") or "") if user else ""
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )


# --- co-speakers ------------------------------------------------------------------------------


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


# --- chairs: call settings --------------------------------------------------------------------


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() | {"UTC"})
    return [(n, n.replace("_", " ")) for n in names]


class WallClockField(forms.DateTimeField):
    """A date and time as typed, without a zone: the form attaches the call's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        return timezone.make_naive(result, timezone.get_current_timezone())


def wall_clock(when: dt.datetime | None, zone: str) -> dt.datetime | None:
    """An aware datetime as the naive wall-clock time in ``zone`` (form initial values)."""
    if when is None:
        return None
    return when.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)


def _in_zone(naive: dt.datetime | None, zone: str) -> dt.datetime | None:
    return None if naive is None else naive.replace(tzinfo=zoneinfo.ZoneInfo(zone))


class _ProblemsMixin:
    def show_problems(self, problems: services.Problems) -> None:
        for field_name, message in problems:
            self.add_error(field_name if field_name in self.fields else None, message)  # type: ignore[attr-defined]


class CallSettingsForm(_ProblemsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. Shown on the public call page."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Dates below are in this zone; speakers see the deadline in it."),
    )
    opens_at = WallClockField(label=_("Opens"))
    closes_at = WallClockField(label=_("Closes (submission deadline)"))
    review_deadline_at = WallClockField(label=_("Review deadline"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Talk languages"), widget=forms.CheckboxSelectMultiple
    )
    reviews_per_proposal = forms.IntegerField(
        label=_("Reviews per proposal"), min_value=1, max_value=20
    )
    chairs_blind = forms.BooleanField(
        label=_("Chairs stay blind until curation"),
        required=False,
        help_text=_("Chairs read the redacted text, like reviewers, until they reveal identities."),
    )

    def __init__(
        self,
        *args: Any,
        languages: tuple[str, ...] = (),
        phase: visibility.Phase | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Once identities are revealed the "blind" switch no longer changes what chairs see;
        # the page says so beside it.
        self.already_revealed = phase is not None and phase.identities_revealed
        fields: dict[str, Any] = self.fields
        fields["timezone"].choices = timezone_choices()
        codes = list(LANGUAGE_NAMES) + [c for c in languages if c not in LANGUAGE_NAMES]
        fields["languages"].choices = [(c, LANGUAGE_NAMES.get(c, c)) for c in codes]
        self.result: services.CallSettingsData | None = None

    @classmethod
    def initial_for(cls, c: queries.CallSettings) -> dict[str, Any]:
        return {
            "name": c.name,
            "description": c.description,
            "timezone": c.timezone,
            "opens_at": wall_clock(c.opens_at, c.timezone),
            "closes_at": wall_clock(c.closes_at, c.timezone),
            "review_deadline_at": wall_clock(c.review_deadline_at, c.timezone),
            "languages": list(c.languages),
            "reviews_per_proposal": c.reviews_per_proposal,
            "chairs_blind": c.phase.chairs_blind,
        }

    @property
    def blind_switch(self) -> forms.BoundField:
        """The "chairs stay blind" checkbox, for the template (which names no policy field)."""
        return self["chairs_blind"]

    def clean_name(self) -> str:
        return _clean_text(self.cleaned_data["name"])

    def clean_description(self) -> str:
        return _clean_text(self.cleaned_data["description"])

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        needed = ("name", "timezone", "opens_at", "closes_at", "languages", "reviews_per_proposal")
        if any(d.get(n) in (None, "", []) for n in needed) or "review_deadline_at" in self.errors:
            return d
        zone = d["timezone"]
        data = services.CallSettingsData(
            name=d["name"],
            description=d.get("description", ""),
            timezone=zone,
            opens_at=_in_zone(d["opens_at"], zone),  # type: ignore[arg-type]
            closes_at=_in_zone(d["closes_at"], zone),  # type: ignore[arg-type]
            review_deadline_at=_in_zone(d.get("review_deadline_at"), zone),
            languages=tuple(d["languages"]),
            reviews_per_proposal=d["reviews_per_proposal"],
            chairs_blind=bool(d.get("chairs_blind")),
        )
        problems = services.call_settings_problems(data)
        self.show_problems(problems)
        if not problems:
            self.result = data
        return d

    def data_object(self) -> services.CallSettingsData:
        assert self.result is not None
        return self.result


class RowForm(_ProblemsMixin, forms.Form):
    """One editable row of the settings page; ``row`` is its id (empty for a new one)."""

    def data_object(self) -> Any:  # pragma: no cover - each row form defines it
        raise NotImplementedError


class FormatForm(RowForm):
    slug = forms.SlugField(label=_("Slug"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=100)
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=24 * 60, initial=30
    )
    slots = forms.IntegerField(
        label=_("Slots"),
        min_value=0,
        max_value=10000,
        initial=0,
        help_text=_("How many talks of this format the programme has room for."),
    )

    def data_object(self) -> services.FormatData:
        d = self.cleaned_data
        return services.FormatData(
            slug=d["slug"],
            name=d["name"],
            duration_minutes=d["duration_minutes"],
            slots=d["slots"],
        )


class TrackForm(RowForm):
    slug = forms.SlugField(label=_("Slug"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=100)

    def data_object(self) -> services.TrackData:
        return services.TrackData(slug=self.cleaned_data["slug"], name=self.cleaned_data["name"])


class CriterionForm(RowForm):
    slug = forms.SlugField(label=_("Slug"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=100)
    guidance = forms.CharField(
        label=_("Guidance for reviewers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    minimum = forms.IntegerField(label=_("Lowest score"), min_value=-100, max_value=100, initial=1)
    maximum = forms.IntegerField(label=_("Highest score"), min_value=-100, max_value=100, initial=5)
    weight = forms.FloatField(label=_("Weight"), initial=1.0)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=0)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if all(d.get(n) is not None for n in ("minimum", "maximum", "weight")):
            self.show_problems(services.criterion_problems(self._data(d)))
        return d

    @staticmethod
    def _data(d: dict[str, Any]) -> services.CriterionData:
        return services.CriterionData(
            slug=d.get("slug", ""),
            name=d.get("name", ""),
            guidance=d.get("guidance", ""),
            minimum=d["minimum"],
            maximum=d["maximum"],
            weight=d["weight"],
            position=d.get("position") or 0,
        )

    def data_object(self) -> services.CriterionData:
        return self._data(self.cleaned_data)


class QuestionForm(RowForm):
    label = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), required=False, max_length=500)
    kind = forms.ChoiceField(label=_("Answer"), choices=models.QuestionKind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For “choose” questions: one choice a line."),
    )
    target = forms.ChoiceField(label=_("Asked"), choices=models.QuestionTarget.choices)
    visibility = forms.ChoiceField(
        label=_("Who reads the answers"), choices=models.QuestionVisibility.choices
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=0)

    def clean_label(self) -> str:
        return _clean_text(self.cleaned_data["label"])

    def clean_choices(self) -> tuple[str, ...]:
        raw = _clean_text(self.cleaned_data["choices"])
        return tuple(line.strip()[:200] for line in raw.splitlines() if line.strip())

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("kind") and "choices" in d:
            self.show_problems(services.question_problems(self._data(d)))
        return d

    @staticmethod
    def _data(d: dict[str, Any]) -> services.QuestionData:
        return services.QuestionData(
            label=d.get("label", ""),
            help_text=d.get("help_text", ""),
            kind=d["kind"],
            choices=d["choices"],
            target=d.get("target") or models.QuestionTarget.PROPOSAL,
            required=bool(d.get("required")),
            visibility=d.get("visibility") or models.QuestionVisibility.CHAIRS,
            position=d.get("position") or 0,
        )

    def data_object(self) -> services.QuestionData:
        return self._data(self.cleaned_data)


class RowActionForm(forms.Form):
    """Which row (empty: a new one) and what to do with it; parsed before the row's own form."""

    row = forms.IntegerField(required=False, min_value=1)
    action = forms.ChoiceField(choices=[("save", "save"), ("delete", "delete")], required=False)


class ReopenForm(forms.Form):
    until = WallClockField(
        label=_("Open for changes until"),
        help_text=_("In the call's time zone. Only this proposal's speakers can save until then."),
    )

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def until_at(self) -> dt.datetime:
        value = _in_zone(self.cleaned_data["until"], self.zone)
        assert value is not None
        return value


class FalsePositiveForm(forms.Form):
    field = forms.CharField(max_length=40)
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    # Where to go after marking; the view follows it through common.redirects only.
    next = forms.CharField(required=False, strip=False)
