"""Every table that may scroll sideways on a phone can be reached and named by the keyboard.

A ``.table-wrap`` box scrolls inside itself at 360 px (the page never does, issue 18). axe
counts a scrollable box that no keyboard can focus as a serious violation, and the every-page
browser test only sees it on pages whose rows happen to be wide in its world: this reads every
template, so a new table is held to the rule before any data makes it wide.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# An opening tag whose class list includes table-wrap.
WRAP = re.compile(r"<(?:div|section)\b[^>]*\bclass=\"(?:[^\"]*\s)?table-wrap(?:\s[^\"]*)?\"[^>]*>")


def wraps() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for tag in WRAP.findall(path.read_text()):
            found.append((str(path.relative_to(ROOT)), tag))
    return found


def test_the_check_sees_the_tables() -> None:
    assert len(wraps()) >= 20


def test_every_scrolling_table_box_is_a_named_focusable_region() -> None:
    bad = [
        f"{name}: {tag}"
        for name, tag in wraps()
        if 'tabindex="0"' not in tag
        or 'role="region"' not in tag
        or not re.search(r"\baria-label(?:ledby)?=\"[^\"]+\"", tag)
    ]

    assert not bad, "a .table-wrap needs role=region, tabindex=0 and a name:\n" + "\n".join(bad)
