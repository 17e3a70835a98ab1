"""What the chairs' translations page shows: the call's own texts and their translations."""

from __future__ import annotations

from dataclasses import dataclass

from cfp import models
from cfp.domain import languages as talk_languages


@dataclass(frozen=True, slots=True)
class Text:
    """One translatable text: ``key`` names its form fields, ``original`` is in the main
    language, ``translations`` is {language: text}."""

    key: str
    label: str
    original: str
    translations: tuple[tuple[str, str], ...]
    long: bool = False

    @property
    def kind(self) -> str:
        """description, criterion-name, criterion-guidance, question-label, question-help_text."""
        head, _sep, field = self.key.rpartition("-")
        return field if not head else f"{head.split('-')[0]}-{field}"


@dataclass(frozen=True, slots=True)
class Editor:
    main_language: str
    accepted: tuple[str, ...]  # the languages speakers may submit in
    texts: tuple[Text, ...]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages chairs may translate into: accepted, other than the main one."""
        return tuple(
            c
            for c in self.accepted
            if talk_languages.base_language(c) != talk_languages.base_language(self.main_language)
        )


def _pairs(raw: object, field: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        return ()
    return tuple(
        (code, str(values.get(field, "")))
        for code, values in sorted(raw.items())
        if isinstance(values, dict) and values.get(field)
    )


def editor(*, call_id: int) -> Editor:
    """The call's texts and their translations (three queries)."""
    call = models.Call.objects.values("description", "main_language", "languages", "translations")
    row = call.get(pk=call_id)
    texts = [
        Text(
            key="description",
            label="",
            original=row["description"],
            translations=_pairs(row["translations"], "description"),
            long=True,
        )
    ]
    for c in models.Criterion.objects.filter(call_id=call_id).order_by("position", "pk"):
        texts.append(Text(f"criterion-{c.pk}-name", c.name, c.name, _pairs(c.translations, "name")))
        texts.append(
            Text(
                f"criterion-{c.pk}-guidance",
                c.name,
                c.guidance,
                _pairs(c.translations, "guidance"),
                long=True,
            )
        )
    for q in models.Question.objects.filter(call_id=call_id).order_by("position", "pk"):
        texts.append(
            Text(f"question-{q.pk}-label", q.label, q.label, _pairs(q.translations, "label"))
        )
        texts.append(
            Text(
                f"question-{q.pk}-help_text",
                q.label,
                q.help_text,
                _pairs(q.translations, "help_text"),
            )
        )
    return Editor(
        main_language=row["main_language"],
        accepted=tuple(row["languages"] or ("en",)),
        texts=tuple(texts),
    )
