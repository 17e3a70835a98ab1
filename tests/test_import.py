"""``manage.py import_proposals``: line errors, all-or-nothing, idempotency, updates, speakers.

Every file here is written into ``tmp_path`` by the test itself.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import validate_email

from cfp import importing, models
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def proposal_line(n: int = 1, **changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "external_id": f"ext-{n}",
        "title": f"Talk number {n}",
        "abstract": f"What attendees learn from talk {n} about queues and caches.",
        "format": "talk",
        "speakers": [{"name": f"Speaker Person{n}", "email": f"person{n}@example.org"}],
    }
    line.update(changes)
    return {k: v for k, v in line.items() if v is not None}


Line = dict[str, Any] | str | bytes


def _encode(item: Line) -> bytes:
    if isinstance(item, bytes):
        return item
    return (item if isinstance(item, str) else json.dumps(item)).encode()


def write(tmp_path: Path, lines: list[Line], name: str = "proposals.jsonl") -> Path:
    """Write the lines (objects as JSON, strings and bytes as they are) to ``tmp_path/name``."""
    path = tmp_path / name
    raw = b"".join(_encode(item) + b"\n" for item in lines)
    path.write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    return path


@dataclass(frozen=True)
class Ran:
    out: str
    err: str


@dataclass(frozen=True)
class Refused:
    message: str
    err: str


@pytest.fixture(autouse=True)
def pycon() -> models.Call:
    """The call every import goes into: format "talk", tracks "web" and "data", en and es."""
    return factories.call("pycon")


def run(path: Path, *flags: str, call: str = "pycon") -> Ran:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_proposals", str(path), "--call", call, *flags, stdout=out, stderr=err)
    return Ran(out.getvalue(), err.getvalue())


def refused(path: Path, *flags: str, call: str = "pycon") -> Refused:
    """Run an import that must fail: its one-line message and what it wrote to stderr."""
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "import_proposals", str(path), "--call", call, *flags, stdout=io.StringIO(), stderr=err
        )
    return Refused(str(info.value), err.getvalue())


# --- line errors --------------------------------------------------------------------------

BAD_LINES: list[tuple[str, Line, str]] = [
    ("not-json", '{"external_id": "x", "title": ', "not valid JSON"),
    ("not-an-object", "[1, 2, 3]", "not a JSON object"),
    ("not-utf8", b'{"title": "caf\xe9"}', "not valid UTF-8"),
    ("missing-format", proposal_line(2, format=None), '"format" is missing'),
    ("unknown-key", {**proposal_line(2), "speeker": "x"}, 'unknown key "speeker"'),
    ("duplicate-key", '{"title": "a", "title": "b"}', 'key "title" appears twice'),
    ("title-not-string", proposal_line(2, title=5), '"title" must be a string'),
    ("empty-abstract", proposal_line(2, abstract="   "), '"abstract" is empty'),
    ("nul-in-title", proposal_line(2, title="Bad\x00title"), '"title" contains a NUL character'),
    ("title-too-long", proposal_line(2, title="x" * 251), '"title" is longer than 250'),
    ("bad-level", proposal_line(2, level="expert"), '"level" must be one of'),
    ("bad-duration", proposal_line(2, duration="45"), '"duration" must be a whole number'),
    ("bool-duration", proposal_line(2, duration=True), '"duration" must be a whole number'),
    ("naive-date", proposal_line(2, submitted_at="2027-01-31T12:00"), "needs a time zone"),
    ("bad-date", proposal_line(2, submitted_at="last tuesday"), "is not an ISO-8601"),
    ("no-speakers", proposal_line(2, speakers=[]), "at least one speaker"),
    ("speaker-no-name", proposal_line(2, speakers=[{"email": "a@b.org"}]), 'speaker 1: "name"'),
    (
        "speaker-unknown-key",
        proposal_line(2, speakers=[{"name": "Ana", "mail": "a@b.org"}]),
        'speaker 1: unknown key "mail"',
    ),
    (
        "speaker-bad-email",
        proposal_line(2, speakers=[{"name": "Ana", "email": "not-an-address"}]),
        'speaker 1: "email" is not an e-mail address',
    ),
    (
        "speaker-bad-link",
        proposal_line(2, speakers=[{"name": "Ana", "links": ["javascript:alert(1)"]}]),
        "is not an http(s) address",
    ),
    (
        "speaker-first-time-not-bool",
        proposal_line(2, speakers=[{"name": "Ana", "first_time": "yes"}]),
        '"first_time" must be true or false',
    ),
    (
        "speaker-twice",
        proposal_line(2, speakers=[{"name": "Ana Lima"}, {"name": "ana  lima"}]),
        "speaker 2 repeats speaker 1",
    ),
    ("repeated-external-id", proposal_line(1, title="Again"), '"ext-1" repeats line 1'),
    ("unknown-format", proposal_line(2, format="keynote"), 'format "keynote" is not one of'),
    ("unknown-track", proposal_line(2, track="games"), 'track "games" is not one of'),
    ("language-not-in-call", proposal_line(2, language="fr"), 'language "fr" is not one of'),
]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [(bad, reason) for _id, bad, reason in BAD_LINES],
    ids=[case_id for case_id, _bad, _reason in BAD_LINES],
)
def test_a_bad_line_is_reported_with_its_number_and_reason(
    tmp_path: Path, bad: Line, reason: str
) -> None:
    path = write(tmp_path, [proposal_line(1), bad, proposal_line(3)])

    result = refused(path)

    assert re.search(r"^line 2: .*" + re.escape(reason), result.err, re.MULTILINE), result.err


def test_a_file_with_a_bad_line_imports_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, [proposal_line(1), proposal_line(2, format=None), proposal_line(3)])

    result = refused(path)

    assert "nothing imported" in result.message
    assert models.Proposal.objects.count() == 0
    assert models.Speaker.objects.count() == 0


def test_every_bad_line_is_reported_in_one_run(tmp_path: Path) -> None:
    lines: list[Line] = [proposal_line(n) for n in range(1, 9)]
    lines[2] = "not json"
    lines[6] = {**proposal_line(7), "speeker": "x"}
    path = write(tmp_path, lines)

    result = refused(path)

    assert result.err.splitlines() == [
        "line 3: not valid JSON (Expecting value at column 1)",
        'line 7: unknown key "speeker"',
    ]
    assert result.message.startswith("2 bad lines, nothing imported: line 3")


def test_all_problems_of_one_line_are_named_together(tmp_path: Path) -> None:
    path = write(tmp_path, [{**proposal_line(1, format=None, title=7), "speeker": 1}])

    result = refused(path)

    assert 'unknown key "speeker"' in result.err
    assert '"title" must be a string' in result.err
    assert '"format" is missing' in result.err


def test_the_error_message_is_a_single_line(tmp_path: Path) -> None:
    path = write(tmp_path, ["nope", "still nope", proposal_line(3, level="guru")])

    result = refused(path)

    assert "\n" not in result.message
    assert result.message.startswith("3 bad lines")


def test_skip_invalid_imports_the_good_lines_and_reports_the_bad(tmp_path: Path) -> None:
    path = write(tmp_path, [proposal_line(1), "garbage", proposal_line(3, format="keynote")])

    result = run(path, "--skip-invalid")

    assert set(models.Proposal.objects.values_list("external_id", flat=True)) == {"ext-1"}
    assert "1 created" in result.out
    assert "2 bad lines skipped" in result.out
    assert [line.split(":")[0] for line in result.err.splitlines()] == ["line 2", "line 3"]


def test_blank_lines_are_ignored_but_still_counted(tmp_path: Path) -> None:
    path = write(tmp_path, [proposal_line(1), "", "   ", "broken"])

    result = refused(path)

    assert result.err.startswith("line 4: not valid JSON")


# --- what gets written --------------------------------------------------------------------


def test_an_import_creates_proposals_with_their_fields(tmp_path: Path) -> None:
    line = proposal_line(
        1,
        description="## Outline",
        notes="Happy to shorten it.",
        track="data",
        language="es",
        level="advanced",
        duration=25,
        submitted_at="2027-01-31T12:00:00+01:00",
    )
    path = write(tmp_path, [line])

    run(path)

    p = models.Proposal.objects.select_related("format", "track").get(external_id="ext-1")
    assert (p.title, p.description, p.notes) == ("Talk number 1", "## Outline", line["notes"])
    assert (p.format.slug, p.track.slug if p.track else None) == ("talk", "data")
    assert (p.language, p.level, p.version, p.owner_id) == ("es", "advanced", 1, None)
    assert p.submitted_at.isoformat() == "2027-01-31T11:00:00+00:00"
    assert len(p.code) == 6
    assert p.versions.get().abstract == line["abstract"]


def test_the_summary_counts_what_was_created(tmp_path: Path) -> None:
    path = write(tmp_path, [proposal_line(1), proposal_line(2)])

    result = run(path)

    assert result.out.strip() == (
        "proposals.jsonl into pycon: 2 created, 0 updated, 0 unchanged; "
        "speakers: 2 created, 0 updated."
    )


def test_a_gzip_file_is_read_by_its_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, [proposal_line(1), proposal_line(2)], name="proposals.jsonl.gz")

    run(path)

    assert models.Proposal.objects.count() == 2


@pytest.mark.parametrize(
    ("format_value", "track_value"),
    [("talk", "web"), ("TALK", "WEB"), ("Talk", "Web"), ("tAlK", "wEb")],
)
def test_formats_and_tracks_match_by_slug_or_name_in_any_case(
    tmp_path: Path, format_value: str, track_value: str
) -> None:
    models.Format.objects.create(call=models.Call.objects.get(), slug="tut", name="Tutorial")
    path = write(
        tmp_path,
        [
            proposal_line(1, format=format_value, track=track_value),
            proposal_line(2, format="tutorial"),
        ],
    )

    run(path)

    rows = models.Proposal.objects.order_by("external_id")
    assert [(p.format.slug, p.track.slug if p.track else "") for p in rows] == [
        ("talk", "web"),
        ("tut", ""),
    ]
    assert models.Format.objects.count() == 2


def test_create_missing_adds_unseen_formats_and_tracks_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            proposal_line(1, format="Lightning Talk", track="Machine Learning"),
            proposal_line(2, format="lightning talk", track="machine-learning"),
        ],
    )

    result = run(path, "--create-missing")

    fmt = models.Format.objects.get(slug="lightning-talk")
    assert fmt.name == "Lightning Talk"
    assert models.Track.objects.filter(slug="machine-learning").count() == 1
    assert set(models.Proposal.objects.values_list("format__slug", flat=True)) == {"lightning-talk"}
    assert "new formats: lightning-talk; new tracks: machine-learning" in result.out


def test_the_leak_scanner_runs_on_imported_text(tmp_path: Path) -> None:
    line = proposal_line(
        1,
        abstract="Hi, I'm Zofia Brzeczyszczykiewicz and I will show you caching.",
        speakers=[{"name": "Zofia Brzeczyszczykiewicz"}],
    )
    path = write(tmp_path, [line])

    run(path)

    p = models.Proposal.objects.get()
    assert "Brzeczyszczykiewicz" not in p.redacted["abstract"]
    assert {f["kind"] for f in p.findings} == {"name"}


# --- speakers -----------------------------------------------------------------------------


def test_a_speaker_without_email_gets_an_undeliverable_placeholder(tmp_path: Path) -> None:
    path = write(tmp_path, [proposal_line(1, speakers=[{"name": "Ana Lima"}])])

    run(path)

    email = models.Speaker.objects.get().email
    assert re.fullmatch(r"speaker-[0-9a-f]{20}@speakers\.invalid", email)
    validate_email(email)


def test_two_people_with_one_name_on_different_proposals_stay_two_speakers(tmp_path: Path) -> None:
    same = [{"name": "Ana Lima"}]
    path = write(tmp_path, [proposal_line(1, speakers=same), proposal_line(2, speakers=same)])

    run(path)

    assert models.Speaker.objects.filter(name="Ana Lima").count() == 2


def test_speakers_are_matched_by_email_across_proposals(tmp_path: Path) -> None:
    ana = {"name": "Ana Lima", "email": "Ana@Example.org"}
    path = write(
        tmp_path,
        [
            proposal_line(1, speakers=[ana]),
            proposal_line(2, speakers=[{"name": "Bo Chen"}, {**ana, "email": "ana@example.org"}]),
        ],
    )

    run(path)

    ana_row = models.Speaker.objects.get(email="ana@example.org")
    assert ana_row.proposal_links.count() == 2
    second = models.Proposal.objects.get(external_id="ext-2")
    assert [link.speaker.name for link in second.speaker_links.all()] == ["Bo Chen", "Ana Lima"]


def test_an_account_holders_profile_is_linked_but_never_changed(tmp_path: Path) -> None:
    user = factories.user("ana", email="ana@example.org")
    own = models.Speaker.objects.create(user=user, name="Ana Lima", email="ana@example.org")
    path = write(
        tmp_path,
        [proposal_line(1, speakers=[{"name": "A. Lima", "email": "ana@example.org", "bio": "x"}])],
    )

    run(path)

    own.refresh_from_db()
    assert (own.name, own.bio) == ("Ana Lima", "")
    assert models.Proposal.objects.get().speaker_links.get().speaker_id == own.pk


@pytest.mark.parametrize(("first_time", "spoken_before"), [(True, False), (False, True)])
def test_first_time_is_stored_as_not_spoken_before(
    tmp_path: Path, first_time: bool, spoken_before: bool
) -> None:
    path = write(tmp_path, [proposal_line(1, speakers=[{"name": "Ana", "first_time": first_time}])])

    run(path)

    assert models.Speaker.objects.get().spoken_before is spoken_before


# --- re-imports ---------------------------------------------------------------------------


def _snapshot() -> list[tuple[Any, ...]]:
    return [
        *models.Proposal.objects.order_by("pk").values_list(
            "pk", "code", "title", "version", "updated_at", "redacted", "findings"
        ),
        *models.Speaker.objects.order_by("pk").values_list("pk", "email", "name", "updated_at"),
        *models.ProposalSpeaker.objects.order_by("pk").values_list("pk", "position"),
        *models.ProposalVersion.objects.order_by("pk").values_list("pk", "number"),
        *models.AuditEvent.objects.order_by("pk").values_list("pk", "action"),
    ]


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            proposal_line(1, speakers=[{"name": "Ana Lima"}, {"name": "Bo", "bio": "Hi"}]),
            proposal_line(2, track="Web", abstract="I'm Speaker Person2 and this is my talk."),
        ],
    )
    run(path)
    before = _snapshot()

    result = run(path)

    assert "0 created, 0 updated, 2 unchanged; speakers: 0 created, 0 updated" in result.out
    assert _snapshot() == before


def test_changed_text_bumps_the_version_and_keeps_the_old_one(tmp_path: Path) -> None:
    run(write(tmp_path, [proposal_line(1), proposal_line(2)]))
    code = models.Proposal.objects.get(external_id="ext-1").code

    result = run(write(tmp_path, [proposal_line(1, abstract="A new abstract."), proposal_line(2)]))

    p = models.Proposal.objects.get(external_id="ext-1")
    assert (p.code, p.version, p.abstract) == (code, 2, "A new abstract.")
    assert list(p.versions.values_list("number", "abstract")) == [
        (1, proposal_line(1)["abstract"]),
        (2, "A new abstract."),
    ]
    assert "0 created, 1 updated, 1 unchanged" in result.out


def test_a_changed_track_updates_the_proposal_without_a_new_version(tmp_path: Path) -> None:
    run(write(tmp_path, [proposal_line(1, track="web")]))

    result = run(write(tmp_path, [proposal_line(1, track="data")]))

    p = models.Proposal.objects.select_related("track").get()
    assert (p.track.slug if p.track else None, p.version) == ("data", 1)
    assert "1 updated" in result.out


def test_a_renamed_speaker_is_redacted_under_the_new_name(tmp_path: Path) -> None:
    abstract = "Zofia Brzeczyszczykiewicz and Quentin Vautrinnel present caching."
    ana = {"name": "Zofia Brzeczyszczykiewicz", "email": "z@example.org"}
    run(write(tmp_path, [proposal_line(1, abstract=abstract, speakers=[ana])]))

    renamed = {**ana, "name": "Quentin Vautrinnel"}
    result = run(write(tmp_path, [proposal_line(1, abstract=abstract, speakers=[renamed])]))

    p = models.Proposal.objects.get()
    assert "Vautrinnel" not in p.redacted["abstract"]
    assert "Brzeczyszczykiewicz" in p.redacted["abstract"]
    assert "speakers: 0 created, 1 updated" in result.out


def test_a_new_speaker_list_replaces_the_old_one_in_order(tmp_path: Path) -> None:
    ana, bo = {"name": "Ana", "email": "ana@example.org"}, {"name": "Bo", "email": "bo@example.org"}
    run(write(tmp_path, [proposal_line(1, speakers=[ana])]))

    run(write(tmp_path, [proposal_line(1, speakers=[bo, ana])]))
    run(write(tmp_path, [proposal_line(1, speakers=[bo])]))

    links = models.Proposal.objects.get().speaker_links.all()
    assert [(link.speaker.name, link.position) for link in links] == [("Bo", 0)]


# --- file and call errors -----------------------------------------------------------------


def test_an_unknown_call_is_a_one_line_error(tmp_path: Path) -> None:
    path = write(tmp_path, [proposal_line(1)])

    result = refused(path, call="no-such-call")

    assert result.message == 'call "no-such-call" does not exist'
    assert models.Proposal.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "no such file"),
        ("broken.jsonl.gz", b"this is not gzip", "not a complete gzip file"),
        (
            "truncated.jsonl.gz",
            gzip.compress(b'{"a": 1}\n' * 50, mtime=0)[:-12],
            "not a complete gzip",
        ),
    ],
)
def test_an_unreadable_file_is_a_one_line_error(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    result = refused(path)

    assert message in result.message
    assert "\n" not in result.message


def test_the_command_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "TALKREVIEW_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DJANGO_SETTINGS_MODULE")
    env.pop("DATABASE_URL", None)

    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_proposals",
            str(tmp_path / "nope.jsonl"),
            "--call",
            "pycon",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == f"CommandError: {tmp_path / 'nope.jsonl'}: no such file"


def test_parse_line_returns_the_values_it_checked() -> None:
    text = json.dumps(proposal_line(4, speakers=[{"name": " Ana  Lima ", "links": []}]))

    parsed = importing.parse_line(number=4, text=text)

    assert parsed == importing.ProposalLine(
        line=4,
        external_id="ext-4",
        title="Talk number 4",
        abstract=proposal_line(4)["abstract"],
        format="talk",
        speakers=(importing.SpeakerLine(name="Ana Lima", links=()),),
    )
