"""Numbers from a URL or a form are parsed only when `int` cannot refuse them.

`str.isdigit` is true for superscripts and other digits that `int` refuses ("¹", "²", "⑤"): the
query-string fuzzer found `?edit=formats-¹` raising a server error on the call settings page.
`common.numbers.is_whole_number` is the one test the code uses; this file checks it and keeps
`.isdigit()` from coming back where a string is then converted.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from common.numbers import is_whole_number

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cfp", "reviews", "diversity", "common", "config")
# A single character looked at as a digit ("does the handle start with one?") is not parsed.
ONE_CHARACTER = re.compile(r"\[\s*-?\d+\s*\]\.isdigit\(\)")


@given(st.text(max_size=12))
def test_a_whole_number_always_converts(text: str) -> None:
    if is_whole_number(text):
        assert int(text) >= 0
    else:
        assert not (text.isascii() and text.isdigit())


def test_digits_that_int_refuses_are_not_whole_numbers() -> None:
    refused = [ch for ch in map(chr, range(0x80, 0x3000)) if ch.isdigit() and not ch.isdecimal()]
    assert refused, "the test needs digits that int() refuses"
    for ch in refused:
        assert not is_whole_number(ch), unicodedata.name(ch, hex(ord(ch)))
    assert is_whole_number("0042")
    assert not is_whole_number("")
    assert not is_whole_number("٤٢")  # int() reads Arabic-Indic digits; a URL id never has them


def test_no_code_tests_a_whole_string_with_isdigit() -> None:
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name == "numbers.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ".isdigit()" in line and not ONE_CHARACTER.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "use common.numbers.is_whole_number:\n" + "\n".join(offenders)
