"""The submission form, the form fields of the call's own questions, and the live leak check's
input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from cfp import models, services
from cfp.domain.languages import language_name
from cfp.forms.fields import clean_text, no_nul
from cfp.queries import calls
from cfp.queries import questions as question_queries
from cfp.services import proposals as proposal_services


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    abstract = forms.CharField(
        label=_("Abstract"),
        max_length=proposal_services.MAX_ABSTRACT,
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
        call: calls.CallSummary,
        questions: tuple[question_queries.QuestionRow, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["format"].choices = [
            (f.slug, f"{f.name} ({f.duration_minutes} min)") for f in call.formats
        ]
        fields["track"].choices = [("", _("No preference")), *call.tracks]
        fields["language"].choices = [
            (code, language_name(code)) for code in (call.languages or ("en",))
        ]
        self.questions = questions
        for q in questions:
            fields[question_field_name(q.id)] = question_field(q)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[question_field_name(q.id)] for q in self.questions]

    def base_fields_shown(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith("q_")]

    def clean_title(self) -> str:
        return clean_text(self.cleaned_data["title"])

    def clean_abstract(self) -> str:
        return clean_text(self.cleaned_data["abstract"])

    def clean_description(self) -> str:
        return clean_text(self.cleaned_data["description"])

    def clean_notes(self) -> str:
        return clean_text(self.cleaned_data["notes"])

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


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def question_field(q: question_queries.QuestionRow) -> forms.Field:
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
        return forms.CharField(max_length=300, validators=[no_nul], **common)
    if q.kind == kind.LONG_TEXT:
        return forms.CharField(
            max_length=5000,
            validators=[no_nul],
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
    q: question_queries.QuestionRow, cleaned: Any
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


def answer_initial(q: question_queries.QuestionRow, stored: object) -> object:
    """A stored answer as the form field shows it."""
    if stored is None:
        return None
    if q.kind == models.QuestionKind.YES_NO:
        return "yes" if stored else "no"
    return stored


def answers_initial(
    questions: tuple[question_queries.QuestionRow, ...], stored: dict[int, object]
) -> dict[str, object]:
    return {question_field_name(q.id): answer_initial(q, stored.get(q.id)) for q in questions}


class ScanForm(forms.Form):
    """The reviewer-visible fields, as typed so far, for the live leak check."""

    title = forms.CharField(required=False, max_length=250)
    abstract = forms.CharField(required=False, max_length=proposal_services.MAX_ABSTRACT)
    description = forms.CharField(required=False, max_length=20000)
    notes = forms.CharField(required=False, max_length=5000)
    # On an existing proposal the check uses every speaker's identity, not only the typist's.
    code = forms.CharField(required=False, max_length=12)

    def __init__(
        self, *args: Any, questions: tuple[question_queries.QuestionRow, ...] = (), **kwargs: Any
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
