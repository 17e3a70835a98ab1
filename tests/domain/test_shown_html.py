"""The HTML reviewers read (cfp.domain.shown_html): what is stored is what would be rendered,
markers explain themselves, and wrapping them changes nothing a reader sees or can click."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfp.domain import leaks, markdown, shown_html
from tests.domain import test_leaks_shown

MARKERS = [f"[{k.value}]" for k in leaks.FindingKind]


class _Shape(HTMLParser):
    """Every tag with its attributes, and the text, of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _shape(page: str) -> _Shape:
    parser = _Shape()
    parser.feed(page)
    parser.close()
    return parser


def _without_marker_spans(page: str) -> _Shape:
    shape = _shape(page)
    shape.tags = [t for t in shape.tags if not (t[0] == "span" and ("class", "redaction") in t[1])]
    return shape


@st.composite
def texts_with_markers(draw: st.DrawFn) -> str:
    """Markdown with redaction markers in every place one can land: text, emphasis, link
    text and titles, code, lists, headings, tables, next to entities and brackets."""
    pieces = []
    for _ in range(draw(st.integers(1, 12))):
        m = draw(st.sampled_from(MARKERS))
        pieces.append(
            draw(
                st.sampled_from(
                    [
                        m,
                        f"**{m}**",
                        f"*by {m}*",
                        f"[{m}](https://example.org)",
                        f'[slides](https://example.org "{m} hx-get=/x onclick=alert(1)")',
                        f"`{m}`",
                        f"\n\n```\n{m}\n```\n\n",
                        f"\n- {m}\n",
                        f"\n## {m}\n",
                        f"\n\n| a | b |\n|---|---|\n| {m} | x |\n\n",
                        f"&amp;{m}&lt;",
                        f"[{m}]",
                        f"{m}(x)",
                        f"<b>{m}</b>",
                        '" onmouseover="x',
                        f"[{m}][ref]\n\n[ref]: https://example.org",
                    ]
                )
            )
        )
        pieces.append(draw(st.sampled_from(test_leaks_shown.FILLER)))
    return " ".join(pieces)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts_with_markers())
def test_wrapping_markers_changes_no_tag_attribute_or_text_a_reader_gets(text: str) -> None:
    plain = markdown.render_markdown(text=text)

    marked = shown_html.mark(html_text=plain)

    before, after = _shape(plain), _without_marker_spans(marked)
    assert after.tags == before.tags
    assert "".join(after.text) == "".join(before.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts_with_markers())
def test_every_marker_in_text_is_wrapped_and_none_in_an_attribute_or_code(text: str) -> None:
    marked = shown_html.render_field(field="description", text=text)

    shape = _shape(marked)
    spans = [t for t in shape.tags if t[0] == "span"]
    for _tag, attrs in spans:
        assert attrs[0] == ("class", "redaction")
        kind = dict(attrs)["aria-describedby"]
        assert kind in {shown_html.marker_id(k) for k in shown_html.KINDS}
    # Nothing but our spans was added, and no attribute ever holds a span.
    for _tag, attrs in shape.tags:
        for _name, value in attrs:
            assert "<span" not in (value or "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(test_leaks_shown.attacks())
def test_the_stored_rendering_of_an_attack_is_the_fresh_rendering_and_shows_no_identity(
    case: tuple[leaks.SpeakerIdentity, str, str],
) -> None:
    speaker, handle, text = case
    redacted = leaks.redact_text(text=text, speakers=[speaker])
    texts = {"title": redacted[:80], "abstract": redacted, "description": redacted, "notes": ""}

    stored = shown_html.render(texts=texts)

    assert shown_html.usable(stored)
    for field in shown_html.FIELDS:
        assert stored[field] == shown_html.render_field(field=field, text=texts[field])
    tokens = test_leaks_shown.identity_tokens(speaker, handle)
    for field in ("abstract", "description"):
        shown = test_leaks_shown.shown_letters(str(stored[field]))
        assert not {t for t in tokens if t in shown}, (text, redacted, stored[field])


@settings(max_examples=100, deadline=None)
@given(texts_with_markers())
def test_plain_fields_are_the_escaped_text_with_markers_wrapped(text: str) -> None:
    rendered = shown_html.render_field(field="abstract", text=text)

    assert _without_marker_spans(rendered).tags == [("br", ())] * text.count("\n") or "\r" in text
    unwrapped = re.sub(
        r'<span class="redaction" aria-describedby="[a-z-]+">(.*?)</span>', r"\1", rendered
    )
    assert unwrapped == markdown.render_plain(text=text)


def test_titles_are_added_escaped_to_the_markers_only() -> None:
    page = shown_html.render_field(field="abstract", text='By [name] & "[link]"')

    titled = shown_html.with_titles(html_text=page, titles={"name": 'A "name"', "link": "<b>"})

    assert 'aria-describedby="redaction-name" title="A &quot;name&quot;"' in titled
    assert 'aria-describedby="redaction-link" title="&lt;b&gt;"' in titled
    assert titled.count("title=") == 2


def test_a_stored_rendering_of_another_format_is_not_used() -> None:
    assert not shown_html.usable(None)
    assert not shown_html.usable({})
    assert not shown_html.usable({"abstract": "x", "format": shown_html.FORMAT - 1})
    assert shown_html.usable(shown_html.render(texts={"abstract": "x"}))
