"""Issue 24: every string people read is marked for translation, and every catalogue is complete.

(a) The templates: visible text outside {% translate %} / {% blocktranslate %} fails
    (tests/template_strings.py reads them with Django's lexer and an HTML parser).
(b) The catalogues, one per interface language but English: no entry without a translation, no
    fuzzy entry, no translation equal to its English (outside a short allowlist), and the same
    placeholders as the English, so a translation can never break a format string.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

from tests import template_strings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# English that stays English in a translation: product and format names, and words every
# language borrows. Keep it short: each entry is a string nobody will ever translate.
SAME_IN_EVERY_LANGUAGE = frozenset(
    {"OK", "CSV", "JSON", "XLSX", "E-mail", "Markdown", "URL", "htmx", "Talk review"}
)

# Words spelled the same in a language as in English: a translation made only of these (and
# placeholders) may equal its English. Per language, and short: each is a real word there.
COGNATES = {
    "de": frozenset(
        [
            "name",
            "tracks",
            "track",
            "mentor",
            "mentoring",
            "links",
            "link",
            "format",
            "region",
            "code",
            "text",
            "status",
            "expertise",
            "in",
            # The German catalogue's word for a call for papers, as German conferences say it.
            "call",
        ]
    ),
    "es": frozenset(["tracks", "track", "mentor", "no", "total", "min"]),
    "fr": frozenset(
        [
            "description",
            "minutes",
            "question",
            "questions",
            "formats",
            "format",
            "message",
            "messages",
            "mentor",
            "mentors",
            "affiliation",
            "e-mail",
            "e-mails",
            "notes",
            "mode",
            "expert",
            "expertise",
            "code",
            "version",
            "invitation",
            "invitations",
            "sections",
            "actions",
            "total",
            "pages",
            "programme",
            "min",
        ]
    ),
    "pt-br": frozenset(["mentor", "links", "link", "e-mail", "e-mails", "total", "min"]),
}

# %(name)s, %s, %d, %%, {name} and {0}: what Python fills in.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|%%|\{[\w.]*\}")


def catalogue(code: str) -> polib.POFile:
    path = ROOT / "locale" / to_locale(code) / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path}: no catalogue (make messages)"
    return polib.pofile(str(path))


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [v for _k, v in sorted(entry.msgstr_plural.items())]
    return [entry.msgstr]


# --- (a) the templates ------------------------------------------------------------------------


def test_every_visible_template_string_is_marked_for_translation() -> None:
    found = template_strings.unmarked(TEMPLATES)

    assert not found, "text not marked for translation:\n" + "\n".join(map(str, found))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello reviewer</p>", ["Hello reviewer"]),
        ('<img alt="Speaker photo" src="x.png">', ["alt=Speaker photo"]),
        ('<button aria-label="Close">×</button>', ["aria-label=Close"]),
        ('<input type="submit" value="Send now">', ["value=Send now"]),
        ("{% extends 'base.html' %}{% block main_class %}wide{% endblock %}", []),
        ('{% load i18n %}<p>{% translate "Hello" %} · 3 / 4 &amp; 12:00</p>', []),
        ("<p>{% blocktranslate with n=x %}Hello {{ n }}{% endblocktranslate %}</p>", []),
        ("<p title=\"{% translate 'Hi' %}\">{{ name }} (CSV)</p>", []),
        ("{# a note #}{% comment %}Not shown{% endcomment %}<script>let a = 'b c';</script>", []),
        ("<p>{{ minutes }} min</p>", ["min"]),
    ],
)
def test_the_template_auditor_finds_unmarked_text_and_only_that(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    (tmp_path / "page.html").write_text(source, encoding="utf-8")

    found = [u.text for u in template_strings.unmarked(tmp_path)]

    assert found == expected


def test_the_template_auditor_reads_plain_text_mail_templates(tmp_path: Path) -> None:
    (tmp_path / "subject.txt").write_text(
        '{% load i18n %}{% translate "Your link" %}\nReset your password\n', encoding="utf-8"
    )

    assert [u.line for u in template_strings.unmarked(tmp_path)] == [2]


# --- (b) the catalogues -----------------------------------------------------------------------


def test_each_translated_language_has_a_catalogue_for_its_own_locale() -> None:
    for code in TRANSLATED:
        po = catalogue(code)
        assert po.metadata["Language"] == to_locale(code)
        assert len(po) > 1000


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_string_is_left_untranslated(code: str) -> None:
    missing = [e.msgid for e in catalogue(code) if not e.obsolete and not all(translations(e))]

    assert not missing, f"{code}: {len(missing)} untranslated, first: {missing[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_translation_is_fuzzy(code: str) -> None:
    fuzzy = [e.msgid for e in catalogue(code).fuzzy_entries()]

    assert not fuzzy, f"{code}: {len(fuzzy)} fuzzy, first: {fuzzy[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_translation_is_the_english_left_as_it_was(code: str) -> None:
    cognates = COGNATES.get(code, frozenset())
    same = [
        e.msgid
        for e in catalogue(code)
        if e.msgstr == e.msgid
        and not e.fuzzy
        and e.msgid not in SAME_IN_EVERY_LANGUAGE
        # Nothing but placeholders, punctuation and words the language shares with English.
        and set(re.findall(r"[^\W\d_][\w-]*", PLACEHOLDER.sub("", e.msgid).lower())) - cognates
    ]

    assert not same, f"{code}: {len(same)} left in English, first: {same[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_translation_keeps_the_placeholders_of_its_english(code: str) -> None:
    broken = [
        (e.msgid, text)
        for e in catalogue(code)
        # A fuzzy entry is a guess by msgmerge, never used at run time: the fuzzy check has it.
        if not e.fuzzy
        for text in translations(e)
        if text
        and placeholders(text) != placeholders(e.msgid)
        # A plural may drop the count in the singular ("one proposal"), never add or rename.
        and not (e.msgid_plural and set(placeholders(text)) <= set(placeholders(e.msgid_plural)))
    ]

    assert not broken, f"{code}: placeholders changed in {broken[:5]}"


def test_the_catalogue_checks_can_fail(tmp_path: Path) -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Saved: %(section)s.", msgstr="Gespeichert: %(abschnitt)s."))
    po.append(polib.POEntry(msgid="Save", msgstr="Save"))
    po.append(polib.POEntry(msgid="Open", msgstr="", flags=["fuzzy"]))
    entries = list(po)

    assert placeholders(entries[0].msgstr) != placeholders(entries[0].msgid)
    assert entries[1].msgstr == entries[1].msgid
    assert [e.msgid for e in po.fuzzy_entries()] == ["Open"]
    assert not all(translations(entries[2]))
