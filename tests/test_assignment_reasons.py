"""Assignment reasons reach chairs in their language, and every form the code stores is known.

The reasons are stored in English (``assignments --format json`` prints them as stored); the
``assignment_reasons`` filter translates them for the chair's pages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from reviews.domain import adaptive
from reviews.domain.assignment import engine
from reviews.domain.assignment.eligibility import ProposalProfile, ReviewerProfile
from reviews.templatetags import assignment_reasons as ar

ENGINE = Path(__file__).resolve().parent.parent / "reviews/domain/assignment/engine.py"


def _sample(node: ast.expr) -> str:
    """A literal reason, or an f-string's reason with sample values in its fields."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    assert isinstance(node, ast.JoinedStr), ast.dump(node)
    out = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            out.append(str(part.value))
        else:
            assert isinstance(part, ast.FormattedValue)
            out.append("0.62" if part.format_spec is not None else "Ada Lovelace")
    return "".join(out)


def _engine_reasons() -> list[str]:
    tree = ast.parse(ENGINE.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "reasons"
        ):
            found.append(_sample(node.args[0]))
    return found


def test_every_reason_the_engine_writes_has_a_translation() -> None:
    reasons = _engine_reasons()
    # The walk finds the per-pair reasons and the shortfall ones; only per-pair reasons are
    # stored on assignments (shortfalls go to the run's warnings).
    assert "eager bid" in reasons
    assert "affinity 0.62" in reasons
    per_pair = [r for r in reasons if not r.startswith(("no ", "every reader"))]
    per_pair = [r for r in per_pair if "max_load" not in r]
    assert len(per_pair) >= 11
    assert [r for r in per_pair if not ar.known(r)] == []


@pytest.mark.parametrize(
    "reason",
    [
        adaptive.reason(0.46),
        "manual",
        "filled a gap after Ada Lovelace recused",
        "filled a gap after Ada Lovelace declared a conflict",
    ],
)
def test_the_services_reasons_have_a_translation(reason: str) -> None:
    assert ar.known(reason)


def test_english_reads_as_stored_and_unknown_reasons_are_kept() -> None:
    with translation.override("en"):
        out = ar.assignment_reasons(
            ["eager bid", "affinity 0.62", adaptive.reason(0.46), "from a later version"]
        )
    assert (
        out == "eager bid, affinity 0.62, extra review: chance in slots 46 %, from a later version"
    )
    assert ar.assignment_reasons(None) == ""
    assert not ar.known("from a later version")


def test_each_reason_goes_through_gettext_with_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in catalogue that brackets each message: a reason that skipped gettext, or lost
    # its value on the way, shows.
    monkeypatch.setattr(ar, "_", lambda s: f"[{s}]")
    assert ar.translate_reason("willing bid") == "[willing bid]"
    assert ar.translate_reason("affinity 0.62") == "[affinity 0.62]"
    assert ar.translate_reason("took over from Bea to balance the loads") == (
        "[took over from Bea to balance the loads]"
    )
    assert ar.translate_reason(adaptive.reason(0.46)) == "[extra review: chance in slots 46 %]"
    for reason in _engine_reasons():
        if ar.known(reason):
            assert ar.translate_reason(reason).startswith("[")


def test_a_name_in_a_reason_is_escaped_on_the_page() -> None:
    html = Template("{% load assignment_reasons %}{{ r|assignment_reasons }}").render(
        Context({"r": ["filled a gap after <b>Ada</b> left"]})
    )
    assert "&lt;b&gt;Ada&lt;/b&gt;" in html
    assert "<b>" not in html


def _shorts() -> list[engine.Short]:
    """A run that leaves proposals short for each of the engine's reasons."""
    props = [
        ProposalProfile(key="Ppt", language="pt", track=""),
        ProposalProfile(key="Pfull", language="de", track=""),
        ProposalProfile(key="Pconf", language="fr", track=""),
        ProposalProfile(key="Pone", language="en", track=""),
        ProposalProfile(key="Pit", language="it", track=""),
    ]
    revs = [
        ReviewerProfile(
            key="Rde", languages=frozenset({"de", "en"}), tracks=frozenset(), max_load=0
        ),
        ReviewerProfile(
            key="Rfr",
            languages=frozenset({"fr"}),
            tracks=frozenset(),
            conflicts=frozenset({"Pconf"}),
        ),
        ReviewerProfile(key="Ren", languages=frozenset({"en"}), tracks=frozenset()),
        ReviewerProfile(key="Rit", languages=frozenset({"it"}), tracks=frozenset()),
    ]
    labels = {"Ppt": "K7Q2XM “Um: título”", "Pfull": "ABC123 “Talk”"}
    problem = engine.Problem(
        proposals=props, reviewers=revs, per_proposal=2, proposal_labels=labels
    )
    return list(engine.solve(problem).shortfalls)


def test_every_shortfall_reason_has_a_translation_and_english_reads_as_the_engine_wrote_it() -> (
    None
):
    shorts = _shorts()
    reasons = {r for s in shorts for r in s.reasons}
    assert "no reviewer reads 'pt'" in reasons
    assert any("at max_load" in r for r in reasons)
    assert "every reader is ruled out (conflicts, affiliation or own talk)" in reasons
    assert "no further eligible reviewer" in reasons
    assert [r for r in reasons if not ar.known_short(r)] == []
    with translation.override("en"):
        for s in shorts:
            expected = s.warning.replace(" is at max_load", " is at their maximum load")
            expected = expected.replace(" are at max_load", " are at their maximum load")
            assert ar.shortfall_warning(s) == expected


def test_a_shortfall_warning_keeps_the_label_and_translates_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ar, "_", lambda s: f"[{s}]")
    short = next(s for s in _shorts() if s.proposal == "Ppt")
    assert ar.shortfall_warning(short) == (
        "[K7Q2XM “Um: título”: 0 of 2 reviewers ([no reviewer reads 'pt'])]"
    )
