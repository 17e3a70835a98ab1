"""The chairs' translations form: the call's main language, then each text in each language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cfp.domain.languages import language_name
from cfp.queries import call_translations as queries

# Each kind of text keeps the length its original may have.
MAX_LENGTH = {"description": 20000, "name": 100, "guidance": 5000, "label": 300, "help_text": 500}


def field_name(language: str, key: str) -> str:
    return f"{language}-{key}"


def _kind(key: str) -> str:
    return key.rsplit("-", 1)[-1]


class TranslationsForm(forms.Form):
    main_language = forms.ChoiceField(
        label=_("Main language of the call"),
        help_text=_(
            "The language you wrote the call's texts in. A reader whose language has no "
            "translation below gets this one, then English."
        ),
    )

    def __init__(self, *args: Any, editor: queries.Editor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editor = editor
        main = self.fields["main_language"]
        assert isinstance(main, forms.ChoiceField)
        main.choices = [(c, language_name(c)) for c in editor.accepted]
        self.initial.setdefault("main_language", editor.main_language)
        for language in editor.languages:
            for text in editor.texts:
                given = dict(text.translations)
                self.fields[field_name(language, text.key)] = forms.CharField(
                    required=False,
                    max_length=MAX_LENGTH[_kind(text.key)],
                    widget=forms.Textarea(attrs={"rows": 4 if text.long else 1, "lang": language}),
                    initial=given.get(language, ""),
                )

    def fields_for(self, language: str) -> list[tuple[queries.Text, forms.BoundField]]:
        return [(t, self[field_name(language, t.key)]) for t in self.editor.texts]

    def translations(self) -> dict[str, dict[str, dict[str, str]]]:
        """{text key: {language: text}} of what was typed (empty texts left out)."""
        out: dict[str, dict[str, dict[str, str]]] = {}
        for language in self.editor.languages:
            for text in self.editor.texts:
                value = str(self.cleaned_data.get(field_name(language, text.key)) or "").strip()
                owner, _sep, kind = text.key.rpartition("-")
                owner = owner or text.key
                if value:
                    out.setdefault(owner, {}).setdefault(language, {})[kind] = value
        return out
