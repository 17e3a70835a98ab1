"""Self-identification answers appear nowhere but on their owner's own page.

A canary crawl: a few people give unique self-described answers, reports are built, then every
URL of the resolver is fetched by every role of ``factories.World`` (plain and htmx), the admin
is walked by staff, the command prints its outputs, and every log line and task payload is
captured. The canary may show up only on /me/self-id/ for its owner.
"""

from __future__ import annotations

import logging
from io import StringIO
from typing import Any, cast

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone

from diversity import models, services
from diversity.services import reports as report_services
from tests import factories
from tests.access import ROLES
from tests.test_access import _names, _url

pytestmark = pytest.mark.django_db

CANARIES = {
    "submitter": "Quokkanebula-7731",
    "other_submitter": "Marzipan-Heron-4402",
    "reviewer": "Tesseract-Wombat-9105",
    "chair": "Lanternfish-Opal-2286",
}
CUSTOM_CANARY = "Velvet-Axolotl-5519"
SELF_ID = "/me/self-id/"
# The person's own copy of everything held about them (issue 17) carries their answers too.
OWN_PAGES = frozenset({SELF_ID, "/me/data/export.json"})


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return str(response.content.decode(errors="replace"))


def _seed(sent: list[tuple[str, tuple[Any, ...]]]) -> factories.World:
    w = factories.world()
    now = timezone.now()
    question = services.add_question(
        call_id=w.call.pk,
        label="How do you describe your background?",
        options=["Academia", "Industry"],
        self_describe=True,
        now=now,
    )
    for role, canary in CANARIES.items():
        answers = {
            "gender": services.AnswerData(value=models.SELF_DESCRIBE, text=canary),
            "underrepresented": services.AnswerData(value=models.YES),
        }
        if role == "submitter":
            answers[f"q{question}"] = services.AnswerData(
                value=models.SELF_DESCRIBE, text=CUSTOM_CANARY
            )
        services.save_answers(
            user_id=w.users[role].pk,
            answers=answers,
            consent_version=models.CONSENT_VERSION,
            now=now,
        )
    for call_id in (w.call.pk, w.other_call.pk):
        services.build_report(call_id=call_id, now=now)
    services.request_build(call_id=w.call.pk, now=now)
    assert sent, "builds are queued through enqueue_on_commit"
    return w


def _owner_of(text: str) -> str | None:
    for role, canary in CANARIES.items():
        if canary in text:
            return role
    return "submitter" if CUSTOM_CANARY in text else None


def _leaks(text: str) -> set[str]:
    return {c for c in (*CANARIES.values(), CUSTOM_CANARY) if c in text}


@pytest.fixture
def crawl_world(monkeypatch: pytest.MonkeyPatch) -> tuple[factories.World, list[Any]]:
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(
        report_services, "enqueue_on_commit", lambda name, *args: sent.append((name, args))
    )
    return _seed(sent), sent


def test_canary_answers_appear_only_on_their_owners_own_page(
    crawl_world: tuple[factories.World, list[Any]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w, _sent = crawl_world
    seen: list[str] = []
    crawled = 0
    for name, _pattern in _names(get_resolver()):
        try:
            url = _url(name, w)
        except NoReverseMatch:
            continue  # a pattern needing arguments the world cannot fill; the access table owns it
        for role in ROLES:
            client = Client()
            if role != "anonymous":
                client.force_login(w.users[role])
            for headers in ({}, {"HX-Request": "true"}):
                text = _body(client.get(url, headers=headers))
                crawled += 1
                for leaked in _leaks(text):
                    allowed = url in OWN_PAGES and _owner_of(leaked) == role
                    if not allowed:
                        seen.append(f"{role} GET {url}: {leaked}")
    assert crawled > 100
    assert not seen, "\n".join(seen)


def test_the_owners_page_does_show_their_own_words(
    crawl_world: tuple[factories.World, list[Any]],
) -> None:
    w, _sent = crawl_world
    client = Client()
    client.force_login(w.users["submitter"])

    text = client.get(SELF_ID).content.decode()

    assert _leaks(text) == {CANARIES["submitter"], CUSTOM_CANARY}


def test_the_admin_shows_no_answer(crawl_world: tuple[factories.World, list[Any]]) -> None:
    w, _sent = crawl_world
    client = Client()
    client.force_login(w.users["staff"])
    urls = ["/admin/"]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
    user_admin = "admin:{}_{}".format(
        w.users["submitter"]._meta.app_label, w.users["submitter"]._meta.model_name
    )
    for role in CANARIES:
        pk = w.users[role].pk
        urls.append(reverse(f"{user_admin}_change", args=[pk]))
        urls.append(reverse(f"{user_admin}_delete", args=[pk]))
    consent = models.Consent.objects.get(user=w.users["submitter"])
    urls.append(reverse("admin:diversity_consent_change", args=[consent.pk]))
    question = models.Question.objects.get(call=w.call)
    urls.append(reverse("admin:diversity_question_change", args=[question.pk]))

    leaks = {url: _leaks(_body(client.get(url))) for url in urls}

    assert not {url: found for url, found in leaks.items() if found}
    assert models.Answer not in admin.site._registry
    assert models.SnapshotBasis not in admin.site._registry


def test_the_command_output_holds_no_answer(
    crawl_world: tuple[factories.World, list[Any]],
) -> None:
    w, _sent = crawl_world
    outputs = []
    for fmt in ("json", "text"):
        out = StringIO()
        call_command("diversity_report", "--call", w.call.slug, "--format", fmt, stdout=out)
        outputs.append(out.getvalue())

    assert not _leaks("\n".join(outputs))
    assert "Gender" in outputs[1]


def test_logs_and_task_payloads_hold_no_answer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(
        report_services, "enqueue_on_commit", lambda name, *args: sent.append((name, args))
    )
    w = _seed(sent)
    services.withdraw_consent(user_id=w.users["reviewer"].pk, now=timezone.now())

    assert not _leaks(caplog.text)
    assert caplog.records, "the services do log, only never an answer"
    assert all(name == "diversity.build_report" for name, _args in sent)
    assert all(len(args) == 1 and isinstance(args[0], int) for _name, args in sent)


def test_stored_reports_hold_no_answer(crawl_world: tuple[factories.World, list[Any]]) -> None:
    out = StringIO()

    call_command(
        "dumpdata",
        "diversity.ReportSnapshot",
        "diversity.SnapshotBasis",
        "diversity.Target",
        "diversity.ReportSettings",
        stdout=out,
    )

    assert not _leaks(out.getvalue())


def test_withdrawal_leaves_no_trace_of_the_answers_anywhere(
    crawl_world: tuple[factories.World, list[Any]],
) -> None:
    w, _sent = crawl_world
    owner = w.users["submitter"]
    services.withdraw_consent(user_id=owner.pk, now=timezone.now())
    out = StringIO()

    call_command("dumpdata", stdout=out)

    assert not models.Answer.objects.filter(user=owner).exists()
    dump = out.getvalue()
    assert CANARIES["submitter"] not in dump
    assert CUSTOM_CANARY not in dump
    assert CANARIES["reviewer"] in dump, "the others' answers are still stored"


@pytest.mark.parametrize(
    "name",
    [
        "diversity:report",
        "diversity:build",
        "diversity:threshold",
        "diversity:targets",
        "diversity:questions",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_reviewers_get_404_on_every_diversity_report_url(name: str, method: str) -> None:
    w = factories.world()
    client = Client()
    client.force_login(w.users["reviewer"])

    response = client.generic(method, reverse(name, args=[w.call.slug]))

    assert response.status_code in (404, 405)
    if response.status_code == 405:
        assert method not in response["Allow"]


def test_a_crash_while_saving_answers_reports_neither_the_form_nor_the_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from django.test import RequestFactory
    from django.views.debug import ExceptionReporter

    from common.htmx import HtmxHttpRequest
    from diversity import views
    from diversity.queries import questions, self_id

    u = factories.user("sam")

    def crash(*, user_id: int) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(questions, "questions_for_person", crash)
    request = RequestFactory().post(
        SELF_ID,
        {
            "consent": "on",
            "consent_version": "1",
            "q_gender": "self_describe",
            "t_gender": CANARIES["submitter"],
        },
    )
    request.user = u
    request.htmx = False  # type: ignore[attr-defined]
    monkeypatch.setattr(self_id, "self_id_page", lambda *, user_id: _page_without_db())
    try:
        views.self_id(cast(HtmxHttpRequest, request))
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    else:  # pragma: no cover - the crash is planted
        pytest.fail("the planted crash did not happen")

    assert "database went away" in report
    assert CANARIES["submitter"] not in report


def _page_without_db() -> Any:
    from diversity import queries

    return queries.SelfIdPage(consent=None, questions=queries.default_questions())
