"""What to call a talk language: its code and its name in that language (a code not listed here is
shown as the code)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


# --- a call written in several languages (issue 24) ----------------------------------------------
# A call's own texts (its description, each criterion's name and guidance, each question's label
# and help) are written in its main language; chairs may add translations for the languages the
# call accepts: {"de": {"description": "…"}}. A reader gets their language, else the main one,
# else English, else whatever the chairs wrote.

Translations = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class Shown:
    text: str
    language: str  # the language ``text`` is written in, for its lang attribute


def base_language(code: str) -> str:
    """ "pt-br" → "pt": talk languages are ISO 639-1, interface languages may carry a region."""
    return code.split("-")[0].split("_")[0].lower()


def translated(
    *, original: str, main_language: str, translations: Translations, field: str, wanted: str
) -> Shown:
    """``field`` in the reader's language (``wanted``), falling back as described above."""
    want = base_language(wanted)
    main = base_language(main_language) or "en"
    candidates = [
        (want, original if want == main else _text(translations, want, field)),
        (main, original),
        ("en", _text(translations, "en", field)),
    ]
    for language, text in candidates:
        if text.strip():
            return Shown(text=text, language=language)
    return Shown(text=original, language=main)


def _text(translations: Translations, language: str, field: str) -> str:
    value = translations.get(language, {}).get(field, "") if translations else ""
    return value if isinstance(value, str) else ""


def clean_translations(
    raw: object, *, accepted: Iterable[str], fields: Iterable[str], main_language: str
) -> dict[str, dict[str, str]]:
    """Only accepted languages other than the main one, only known fields, only non-empty text
    (what a stored JSON value or a form may hold, made safe to show)."""
    keep = {base_language(c) for c in accepted} - {base_language(main_language)}
    names = set(fields)
    out: dict[str, dict[str, str]] = {}
    if not isinstance(raw, Mapping):
        return out
    for language, values in raw.items():
        if language not in keep or not isinstance(values, Mapping):
            continue
        kept = {
            k: v.strip()
            for k, v in values.items()
            if k in names and isinstance(v, str) and v.strip()
        }
        if kept:
            out[language] = kept
    return out
