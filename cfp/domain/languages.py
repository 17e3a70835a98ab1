"""What to call a talk language: its code and its name in that language (a code not listed here is
shown as the code)."""

from __future__ import annotations

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
