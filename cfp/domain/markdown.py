"""Turn what speakers type into HTML that is safe to show reviewers and chairs.

Two independent layers, so a mistake in one does not become an XSS hole:

1. markdown-it-py with the CommonMark preset, raw HTML off (it is shown as text) and linkify off
   (a bare URL stays text, so the leak scanner's view of the text and the rendered page agree).
   Its link validation already refuses `javascript:`, `vbscript:`, `file:` and `data:` links.
2. nh3 (ammonia) over the result with an explicit allowlist: tags, attributes per tag, URL
   schemes. Everything else goes, including every `hx-*`, `data-*`, `on*` and `style` attribute:
   the page around this HTML runs htmx, and an `hx-get` that survived would let a proposal make
   requests in the reader's name. Templates still wrap the output in an `hx-disable` container;
   that is a second belt, not the reason this is safe.

Headings are shifted down two levels (# becomes <h3>): the page already has its own <h1> and
<h2>, and a proposal must not out-shout the interface around it. Images are rendered as their
alt text: a remote image is a tracking pixel for whoever reads the proposal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "blocks",
    "render_markdown",
    "visible_text",
]

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
# `rel` is not listed: nh3 sets it on every link (LINK_REL) and refuses both at once.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "code": frozenset({"class"}),
    "ol": frozenset({"start"}),
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,32}")
_LIST_START = re.compile(r"[0-9]{1,9}")
_HEADING_SHIFT = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Second check on the few attributes that carry free text from the speaker."""
    if tag == "code" and attribute == "class":
        return value if _LANGUAGE_CLASS.fullmatch(value) else None
    if tag == "ol" and attribute == "start":
        return value if _LIST_START.fullmatch(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def _render_image_as_alt_text(
    renderer: Any, tokens: Sequence[Token], index: int, options: Any, env: Any
) -> str:
    token = tokens[index]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    return html.escape(str(alt))


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("table")
    parser.add_render_rule("image", _render_image_as_alt_text)
    return parser


_PARSER = _build_parser()


@lru_cache(maxsize=32)
def render_markdown(*, text: str) -> str:
    """Speaker-written Markdown as sanitised HTML, ready to be marked safe in a template.

    The latest results are kept: the leak scanner renders a redaction to check it
    (``leaks.scan_rendered``), and the page stored with it renders the same redaction.
    """
    tokens = _PARSER.parse(text)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = _HEADING_SHIFT.get(token.tag, token.tag)
    rendered = _PARSER.renderer.render(tokens, _PARSER.options, {})
    return str(_CLEANER.clean(rendered))


def render_plain(*, text: str) -> str:
    """Plain text (not Markdown) as escaped HTML, with its line breaks kept."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return html.escape(normalised).replace("\n", "<br>\n")


def blocks(*, text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets in ``text`` of each top-level Markdown block (paragraph, list...).

    The leak scanner redacts a whole block when its rendering still shows a speaker after the
    findings are replaced (fail closed), so it needs to know where a block starts and ends.
    """
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    spans = []
    for token in _PARSER.parse(text):
        if token.level == 0 and token.nesting != -1 and token.map is not None:
            first, last = token.map
            start, end = starts[min(first, len(starts) - 1)], starts[min(last, len(starts) - 1)]
            spans.append((start, len(text[:end].rstrip("\n"))))
    return spans


class _VisibleText(HTMLParser):
    """Text a browser shows for sanitised HTML, then every link target and title it carries."""

    _BLOCKS = frozenset({"p", "br", "li", "pre", "blockquote", "tr", "td", "th", "hr", "h3"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS or tag in {"h4", "h5", "h6"}:
            self.shown.append("\n")
        self.targets.extend(value for name, value in attrs if name in {"href", "title"} and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS or tag in {"h4", "h5", "h6"}:
            self.shown.append("\n")

    def handle_data(self, data: str) -> None:
        self.shown.append(data)


def visible_text(*, html_text: str) -> str:
    """What a reader of ``html_text`` sees: the text, then link targets and titles, one a line."""
    parser = _VisibleText()
    parser.feed(html_text)
    parser.close()
    return "".join(parser.shown) + "\n\n" + "\n".join(parser.targets)
