"""The HTML a reader gets of a proposal's texts, with every redaction marker explaining itself.

Plain Python. ``render`` turns the texts a viewer is given (for reviewers: the scanner's
redacted copies) into sanitised HTML: the abstract and the notes as plain text, the description
as Markdown (``cfp.domain.markdown``). Each redaction marker the scanner left (``[name]``,
``[link]`` …, one per ``leaks.FindingKind``) is wrapped in
``<span class="redaction" aria-describedby="redaction-KIND">``, which points screen readers at
the legend the page shows next to the text; the page adds the tooltip (``with_titles``), in
the reader's language, with a plain string replacement.

The wrapping walks the sanitised HTML's text nodes only, so a marker inside an attribute (a
link's title) is left alone and no markup the speaker typed can turn into an attribute.

``cfp.services.texts`` stores the result with the redaction (``Proposal.shown_html``), so a
scoring screen does not parse Markdown on every load; ``render`` of the stored redaction is what
a page falls back to when nothing is stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser

from cfp.domain import leaks, markdown

# The stored rendering's format; a page renders afresh when a stored copy has another.
FORMAT = 1
PLAIN_FIELDS = ("title", "abstract", "notes")
MARKDOWN_FIELDS = ("description",)
FIELDS = (*PLAIN_FIELDS, *MARKDOWN_FIELDS)
KINDS = tuple(kind.value for kind in leaks.FindingKind)
MARKER = re.compile(r"\[(" + "|".join(re.escape(k) for k in KINDS) + r")\]")
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr"})


def marker_id(kind: str) -> str:
    """The id of the legend entry that explains ``[kind]``."""
    return f"redaction-{kind}"


def _wrap(text: str) -> str:
    """Escaped HTML text with each marker in its span (``text`` is already escaped)."""
    return MARKER.sub(
        lambda m: (
            f'<span class="redaction" aria-describedby="{marker_id(m.group(1))}">'
            f"{m.group(0)}</span>"
        ),
        text,
    )


class _Markers(HTMLParser):
    """Copies sanitised HTML as it is, wrapping markers in text nodes (not in ``<code>``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")
        if tag in {"code", "pre"}:
            self.code += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.out.append(f"</{tag}>")
        if tag in {"code", "pre"} and self.code:
            self.code -= 1

    def handle_data(self, data: str) -> None:
        self.out.append(data if self.code else _wrap(data))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")


def mark(*, html_text: str) -> str:
    """``html_text`` (sanitised) with the redaction markers of its text nodes wrapped."""
    if "[" not in html_text:
        return html_text
    parser = _Markers()
    parser.feed(html_text)
    parser.close()
    return "".join(parser.out)


def render_field(*, field: str, text: str) -> str:
    """One field's text as the HTML a reader gets."""
    if not text:
        return ""
    if field in MARKDOWN_FIELDS:
        return mark(html_text=markdown.render_markdown(text=text))
    # Plain text: escaped, so the text nodes are the whole string and no parser is needed.
    return _wrap(markdown.render_plain(text=text))


def render(*, texts: Mapping[str, str]) -> dict[str, object]:
    """Every field of ``FIELDS`` rendered, as stored (with its ``FORMAT``)."""
    out: dict[str, object] = {
        field: render_field(field=field, text=str(texts.get(field, "") or "")) for field in FIELDS
    }
    out["format"] = FORMAT
    return out


def usable(stored: Mapping[str, object] | None) -> bool:
    """Whether a stored rendering is complete and of this ``FORMAT``."""
    return bool(stored) and stored is not None and stored.get("format") == FORMAT


def with_titles(*, html_text: str, titles: Mapping[str, str]) -> str:
    """Give each marker span its tooltip: ``titles`` maps a kind to the reader's words."""
    if "redaction-" not in html_text:
        return html_text
    for kind, title in titles.items():
        html_text = html_text.replace(
            f'aria-describedby="{marker_id(kind)}"',
            f'aria-describedby="{marker_id(kind)}" title="{html.escape(title, quote=True)}"',
        )
    return html_text
