"""The scoring screen: "I know who wrote this", and what changed since my review."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp import services as cfp_services
from cfp.domain import markdown, shown_html
from reviews import models as review_models
from reviews.domain import textdiff
from reviews.forms import reviewing as review_forms
from reviews.services import recusal
from tests import factories
from tests.conftest import data_queries

pytestmark = pytest.mark.django_db

NAME = "Ottoline Vranckx"
EMAIL = "ottoline@vranckx-mail.example"


def _world(n: int = 2) -> tuple[Client, cfp_models.Call, Any, list[cfp_models.Proposal]]:
    """Three reviewers, two reviews a proposal; the first reviewer has every proposal."""
    c = factories.call("pycon")
    reviewers = [factories.user(name) for name in ("rita", "ruben", "rosa")]
    for r in reviewers:
        factories.member(c, r, "reviewer")
    proposals = []
    for i in range(n):
        owner = factories.user(f"speaker{i}", first_name=NAME, email=EMAIL)
        p = factories.proposal(
            c,
            owner,
            title=f"Talk {i}",
            abstract=f"We cut page times in half. By {NAME}.",
            speaker_name=NAME,
            speaker_email=EMAIL,
        )
        factories.assign(p, reviewers[0])
        factories.assign(p, reviewers[1])
        proposals.append(p)
    client = Client()
    client.force_login(reviewers[0])
    return client, c, reviewers[0], proposals


def _score(client: Client, c: cfp_models.Call, p: cfp_models.Proposal) -> None:
    client.post(
        reverse("reviews:screen", args=[c.slug, p.code]),
        {"score_relevance": "4", "score_clarity": "3", "action": "save"},
        headers={"HX-Request": "true"},
    )


def _recuse(client: Client, c: cfp_models.Call, p: cfp_models.Proposal, **data: str) -> Any:
    return client.post(reverse("reviews:recuse", args=[c.slug, p.code]), data)


def _edit(p: cfp_models.Proposal, *, abstract: str, title: str | None = None) -> None:
    cfp_services.update_proposal(
        call_slug=p.call.slug,
        code=p.code,
        user_id=p.owner_id or 0,
        data=cfp_services.ProposalData(
            title=title or p.title, abstract=abstract, format_slug="talk", track_slug="web"
        ),
        now=timezone.now(),
    )


def test_recusing_records_a_conflict_and_removes_the_assignment_and_my_review() -> None:
    client, c, me, proposals = _world()
    _score(client, c, proposals[0])

    _recuse(client, c, proposals[0], reason="We worked together")

    conflict = review_models.Conflict.objects.get(reviewer=me)
    assert (conflict.proposal_id, conflict.reason) == (proposals[0].pk, "We worked together")
    assert not review_models.Assignment.objects.filter(proposal=proposals[0], reviewer=me).exists()
    assert not review_models.Review.objects.filter(proposal=proposals[0], reviewer=me).exists()


def test_recusing_hands_the_proposal_to_another_reviewer() -> None:
    client, c, _me, proposals = _world()

    _recuse(client, c, proposals[0])

    reviewers = set(
        review_models.Assignment.objects.filter(proposal=proposals[0]).values_list(
            "reviewer__username", flat=True
        )
    )
    assert reviewers == {"ruben", "rosa"}


def test_recusing_sends_the_reviewer_on_to_their_next_proposal_with_a_message() -> None:
    client, c, _me, proposals = _world()

    response = _recuse(client, c, proposals[0])
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:screen", args=[c.slug, proposals[1].code])
    assert "You no longer review that proposal" in page.content.decode()
    assert "Here is the next proposal" in page.content.decode()


def test_recusing_keeps_the_queue_filters() -> None:
    client, c, _me, proposals = _world(1)

    response = client.post(
        reverse("reviews:recuse", args=[c.slug, proposals[0].code]) + "?track=web&status=todo"
    )

    assert response["Location"] == "/review/pycon/?track=web&status=todo"


def test_after_recusing_the_proposal_is_gone_from_my_screen_and_queue() -> None:
    client, c, _me, proposals = _world()

    _recuse(client, c, proposals[0])

    screen = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code]))
    queue = client.get(reverse("reviews:queue", args=[c.slug])).content.decode()
    assert screen.status_code == 404
    assert proposals[0].code not in queue


def test_a_too_long_reason_is_refused_with_the_text_kept_and_nothing_changed() -> None:
    client, c, me, proposals = _world()
    reason = "x" * 201

    response = _recuse(client, c, proposals[0], reason=reason)

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert review_models.Assignment.objects.filter(proposal=proposals[0], reviewer=me).exists()
    assert not review_models.Conflict.objects.exists()


def test_recusing_from_a_proposal_not_in_my_queue_is_not_found() -> None:
    client, c, _me, _proposals = _world()
    stranger = factories.proposal(c, factories.user("zed"), title="Not yours")

    response = _recuse(client, c, stranger)

    assert response.status_code == 404
    assert not review_models.Conflict.objects.exists()


def test_recusing_a_scored_proposal_asks_for_a_new_aggregation() -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])
    review_models.AggregationRun.objects.all().delete()

    _recuse(client, c, proposals[0])

    assert review_models.AggregationRun.objects.filter(call=c).exists()


def test_the_screen_shows_a_word_diff_of_what_changed_since_my_review() -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])
    _edit(proposals[0], abstract=f"We cut page times by 80%. By {NAME}.")

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    assert "What changed since your review" in body
    assert '<del><span class="visually-hidden">removed: </span>in half. </del>' in body
    assert '<ins><span class="visually-hidden">added: </span>by 80%. </ins>' in body


def test_the_old_version_is_redacted_before_it_is_compared() -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])
    # The speaker takes their name and e-mail out after the review: the old text had them.
    _edit(proposals[0], abstract=f"We cut page times in half. Write to {EMAIL}.")
    _edit(proposals[0], abstract="We cut page times in half.")

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    assert "What changed since your review" in body
    assert "[name]" in body
    assert "Ottoline" not in body
    assert "Vranckx" not in body
    assert EMAIL not in body


def _changes_section(body: str) -> str:
    start = body.index('<section class="changes"')
    return body[start : body.index("</section>", start)]


def _counting_word_diff(
    monkeypatch: pytest.MonkeyPatch, *, max_work: int = textdiff.MAX_WORK
) -> list[str]:
    """Replace the diff the screen calls with one that records each call (and `max_work`)."""
    calls: list[str] = []
    original = textdiff.word_diff

    def counted(*, old: str, new: str, max_work: int = max_work) -> textdiff.Diff:
        calls.append(new)
        return original(old=old, new=new, max_work=max_work)

    monkeypatch.setattr(textdiff, "word_diff", counted)
    return calls


def test_a_second_load_of_the_screen_does_not_compare_the_versions_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])
    _edit(proposals[0], abstract=f"We cut page times by 80%. By {NAME}.")
    calls = _counting_word_diff(monkeypatch)
    url = reverse("reviews:screen", args=[c.slug, proposals[0].code])

    first = client.get(url).content.decode()
    after_first = len(calls)
    second = client.get(url).content.decode()

    assert after_first == 4  # title, abstract, description, notes
    assert len(calls) == after_first
    assert '<ins><span class="visually-hidden">added: </span>by 80%. </ins>' in second
    assert _changes_section(first) == _changes_section(second)


def test_a_new_version_is_compared_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])
    _edit(proposals[0], abstract="We cut page times by 80%.")
    url = reverse("reviews:screen", args=[c.slug, proposals[0].code])
    client.get(url)
    calls = _counting_word_diff(monkeypatch)

    _edit(proposals[0], abstract="We cut page times by 90%.")
    body = client.get(url).content.decode()

    assert len(calls) == 4
    assert '<ins><span class="visually-hidden">added: </span>by 90%.</ins>' in body


def test_a_text_that_changed_too_much_is_shown_by_paragraph_and_the_screen_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])
    _edit(proposals[0], abstract="Page times.\n\nWe cut them in half.")
    # A budget too small for the words of this abstract but enough for its paragraphs.
    _counting_word_diff(monkeypatch, max_work=30)

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    assert "Changes shown by paragraph: this text changed too much" in body
    assert '<ins><span class="visually-hidden">added: </span>Page times.\n\n' in body


def test_a_word_by_word_diff_does_not_say_it_is_by_paragraph() -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])
    _edit(proposals[0], abstract=f"We cut page times by 80%. By {NAME}.")

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    assert "What changed since your review" in body
    assert "Changes shown by paragraph" not in body


def test_a_proposal_unchanged_since_my_review_shows_no_diff() -> None:
    client, c, _me, proposals = _world()
    _score(client, c, proposals[0])

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    assert "What changed since your review" not in body


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_changed_proposals_screen_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    client, c, _me, proposals = _world(rows)
    for p in proposals:
        _score(client, c, p)
        _edit(p, abstract=f"Rewritten abstract for {p.code}.")
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role, assignment+proposal, criteria, my review, queue, the old version,
    # its speakers; the full page adds the navigation.
    with assert_queries(9 if htmx else 10):
        response = client.get(
            reverse("reviews:screen", args=[c.slug, proposals[0].code]), headers=headers
        )

    assert response.status_code == 200


def test_a_co_speaker_taken_off_after_my_review_is_not_named_in_the_diff() -> None:
    client, c, _me, proposals = _world(1)
    p = proposals[0]
    co = cfp_models.Speaker.objects.create(name="Bertilde Quaxworth", email="bq@quax.example")
    link = cfp_models.ProposalSpeaker.objects.create(proposal=p, speaker=co, position=1)
    _edit(p, abstract="We cut page times in half, with Bertilde Quaxworth.")
    _score(client, c, cfp_models.Proposal.objects.get(pk=p.pk))
    cfp_services.remove_co_speaker(
        call_slug=c.slug, code=p.code, owner_id=p.owner_id or 0, link_id=link.pk, now=timezone.now()
    )
    _edit(p, abstract="We cut page times in half.")

    body = client.get(reverse("reviews:screen", args=[c.slug, p.code])).content.decode()

    assert "What changed since your review" in body
    assert "Bertilde" not in body
    assert "Quaxworth" not in body


# --- issue 18: moving on, the progress bar, stored HTML, markers, words --------------------------

PROGRESS_LINE = re.compile(r"(\d+) of (\d+) reviewed")


def _hx_post(client: Client, c: cfp_models.Call, p: cfp_models.Proposal, **data: str) -> Any:
    body = {"score_relevance": "4", "score_clarity": "3", "next_code": "", **data}
    return client.post(
        reverse("reviews:screen", args=[c.slug, p.code]), body, headers={"HX-Request": "true"}
    )


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_abstaining_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    client, c, _me, proposals = _world(rows)
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role+assignment+proposal+progress, criteria, review upsert, pending run;
    # without htmx the flash message is written to the session.
    with assert_queries(6 if htmx else 7):
        response = client.post(
            reverse("reviews:screen", args=[c.slug, proposals[0].code]),
            {"action": "abstain", "abstain_reason": "I mentor this speaker", "next_code": ""},
            headers=headers,
        )

    assert response.status_code == (204 if htmx else 302)


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_recusing_runs_a_fixed_number_of_queries_around_the_recusal_service(
    rows: int, htmx: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen's own share is literal; the recusal service (and the reassignment it asks
    for, another module's budget) is counted apart."""
    client, c, _me, proposals = _world(rows)
    service: list[int] = []
    real = recusal.recuse_reviewer

    def counted(**kwargs: Any) -> None:
        with CaptureQueriesContext(connection) as captured:
            real(**kwargs)
        service.append(len(data_queries(captured)))

    monkeypatch.setattr(recusal, "recuse_reviewer", counted)

    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            reverse("reviews:recuse", args=[c.slug, proposals[0].code]),
            {"reason": ""},
            headers={"HX-Request": "true"} if htmx else {},
        )

    assert response.status_code == (204 if htmx else 302)
    # session, user, role, assignment+proposal; the queue's progress for the next proposal;
    # without htmx, the flash message written to the session.
    assert len(data_queries(captured)) - service[0] == (5 if htmx else 6)


def test_abstaining_over_htmx_moves_on_to_the_next_proposal_and_says_so() -> None:
    client, c, _me, proposals = _world(2)

    response = _hx_post(
        client,
        c,
        proposals[0],
        action="abstain",
        abstain_reason="I reviewed an earlier draft",
        next_code=proposals[1].code,
    )
    location = json.loads(response["HX-Location"])
    # htmx asks for the next page with the headers the answer named.
    page = client.get(
        location["path"],
        headers={"HX-Request": "true", "HX-Target": "main", **location["headers"]},
    )

    assert response.status_code == 204
    assert json.loads(response["HX-Location"])["path"] == reverse(
        "reviews:screen", args=[c.slug, proposals[1].code]
    )
    body = page.content.decode()
    assert "You abstained from that proposal." in body
    assert "Here is the next proposal." in body
    assert review_models.Review.objects.get(proposal=proposals[0]).abstained is True


def test_abstaining_on_the_last_proposal_goes_to_the_queue_and_says_nothing_is_left() -> None:
    client, c, _me, proposals = _world(1)

    response = client.post(
        reverse("reviews:screen", args=[c.slug, proposals[0].code]),
        {"action": "abstain", "abstain_reason": "Conflict", "next_code": ""},
    )
    page = client.get(response["Location"])

    assert response["Location"] == reverse("reviews:queue", args=[c.slug])
    assert "Nothing else in your queue needs you now." in page.content.decode()


def test_recusing_over_htmx_swaps_in_the_next_proposal() -> None:
    client, c, _me, proposals = _world(2)

    response = client.post(
        reverse("reviews:recuse", args=[c.slug, proposals[0].code]),
        {"reason": ""},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 204
    location = json.loads(response["HX-Location"])
    assert location["path"] == reverse("reviews:screen", args=[c.slug, proposals[1].code])
    assert location["target"] == "#main"


def _progress_of(body: str) -> tuple[int, int]:
    found = PROGRESS_LINE.search(body)
    assert found is not None, body
    return int(found.group(1)), int(found.group(2))


def test_each_htmx_save_swaps_in_the_progress_bar_counted_as_the_queue_counts_it() -> None:
    client, c, _me, proposals = _world(3)
    queue_page = reverse("reviews:queue", args=[c.slug])

    answers = [_hx_post(client, c, p, action="save").content.decode() for p in proposals[:2]]
    again = _hx_post(client, c, proposals[0], action="save").content.decode()

    for body in [*answers, again]:
        assert 'id="screen-progress-box" hx-swap-oob="true"' in body
    assert [_progress_of(b) for b in answers] == [(1, 3), (2, 3)]
    assert _progress_of(again) == (2, 3), "a second save of the same proposal counts once"
    assert _progress_of(client.get(queue_page).content.decode()) == (2, 3)


def test_a_save_after_the_speaker_changed_the_text_counts_the_proposal_again() -> None:
    client, c, _me, proposals = _world(2)
    _hx_post(client, c, proposals[0], action="save")
    _edit(proposals[0], abstract="A new abstract with other words.")

    body = _hx_post(client, c, proposals[0], action="save").content.decode()

    assert _progress_of(body) == (1, 2)


def test_the_screen_reads_the_stored_html_and_parses_no_markdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, c, _me, proposals = _world(1)
    stored = cfp_models.Proposal.objects.get(pk=proposals[0].pk).shown_html
    assert stored == shown_html.render(texts=proposals[0].redacted)

    def refuse(**_kwargs: Any) -> str:
        raise AssertionError("the screen rendered Markdown on a load")

    monkeypatch.setattr(markdown, "render_markdown", refuse)
    monkeypatch.setattr(markdown, "render_plain", refuse)
    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    assert "We cut page times in half. By" in body


def test_without_a_stored_rendering_the_screen_renders_the_same_page() -> None:
    client, c, _me, proposals = _world(1)
    url = reverse("reviews:screen", args=[c.slug, proposals[0].code])
    with_stored = client.get(url).content.decode()

    cfp_models.Proposal.objects.filter(pk=proposals[0].pk).update(shown_html=None)
    without = client.get(url).content.decode()

    assert _csrf_free(without) == _csrf_free(with_stored)


def _csrf_free(body: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", body)


def test_every_marker_on_the_screen_points_at_a_legend_entry_with_its_meaning() -> None:
    client, c, _me, proposals = _world(1)

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    described = set(
        re.findall(r'class="redaction" aria-describedby="([a-z-]+)" title="[^"]+"', body)
    )
    assert described == {"redaction-name"}
    assert re.search(r'<dd id="redaction-name">[^<]*name[^<]*</dd>', body)
    assert 'id="redaction-email"' not in body, "the legend lists only the markers on the page"


def test_language_and_level_show_as_words_on_the_screen_and_in_the_queue() -> None:
    client, c, _me, proposals = _world(1)
    cfp_models.Proposal.objects.filter(pk=proposals[0].pk).update(language="de", level="advanced")

    screen_body = client.get(
        reverse("reviews:screen", args=[c.slug, proposals[0].code])
    ).content.decode()
    queue_body = client.get(reverse("reviews:queue", args=[c.slug])).content.decode()

    for body in (screen_body, queue_body):
        assert '<span lang="de">Deutsch</span> · advanced' in body


@pytest.mark.parametrize(
    ("guidance", "ends"),
    [
        (
            "Is it useful? 1 = off-topic, 5 = a must for everyone",
            ("1 = off-topic", "5 = a must for everyone"),
        ),
        ("1: vague; 5: crisp", ("1 = vague", "5 = crisp")),
        ("Clear about what attendees learn.", ("1 = weakest", "5 = strongest")),
        ("Only the top: 5 = outstanding.", ("1 = weakest", "5 = outstanding")),
        ("", ("1 = weakest", "5 = strongest")),
    ],
)
def test_each_scale_says_what_its_ends_mean(guidance: str, ends: tuple[str, str]) -> None:
    assert review_forms.scale_ends(guidance=guidance, minimum=1, maximum=5) == ends


def test_the_screen_shows_each_scales_ends_next_to_it() -> None:
    client, c, _me, proposals = _world(1)
    cfp_models.Criterion.objects.filter(call=c, slug="clarity").update(
        guidance="1 = muddled, 5 = crystal clear"
    )

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    ends = "<span>1 = muddled</span><span>5 = crystal clear</span>"
    assert f'<p class="scale-ends" id="ends-clarity">{ends}</p>' in body
    assert 'aria-describedby="guidance-clarity ends-clarity"' in body


class _Controls(HTMLParser):
    """Each form control's attributes (and a textarea's text) by name, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, dict[str, str | None]] = {}
        self.options: dict[str, list[tuple[str | None, bool]]] = {}
        self._select = ""
        self._textarea = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in {"input", "select", "textarea"} and a.get("name") in CONTROLS:
            keep = ("name", "id", "maxlength", "value", "type")
            self.found[str(a["name"])] = {k: a.get(k) for k in keep}
            self._select = str(a["name"]) if tag == "select" else ""
            self._textarea = str(a["name"]) if tag == "textarea" else ""
            if tag == "textarea":
                self.found[self._textarea]["text"] = ""
        elif tag == "option" and self._select:
            self.options.setdefault(self._select, []).append((a.get("value"), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"select", "textarea"}:
            self._select = self._textarea = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            entry = self.found[self._textarea]
            entry["text"] = (entry.get("text") or "") + data


CONTROLS = ("confidence", "comment", "feedback", "abstain_reason", "reason")


def _controls(page: str) -> _Controls:
    parser = _Controls()
    parser.feed(page)
    parser.close()
    return parser


@pytest.mark.parametrize(
    "typed",
    [
        {"confidence": "", "comment": "", "feedback": ""},
        {
            "confidence": "4",
            "comment": 'A <b>"note"</b> & more',
            "feedback": "\nstarts with a line",
        },
        {"confidence": "1", "abstain_reason": "Ich kenne die Person 'gut'"},
    ],
)
def test_the_written_out_controls_read_as_the_forms_own_widgets(typed: dict[str, str]) -> None:
    client, c, _me, proposals = _world(1)
    # A missing score sends the form back with everything typed kept.
    response = client.post(
        reverse("reviews:screen", args=[c.slug, proposals[0].code]),
        {"score_relevance": "4", "action": "save", **typed},
    )
    crit = cfp_queries.call_criteria(call_id=c.pk)
    form = review_forms.ReviewForm(
        {"score_relevance": "4", "action": "save", **typed}, criteria=crit
    )
    form.is_valid()
    widgets = "".join(str(form[name]) for name in CONTROLS[:-1]) + str(
        review_forms.RecuseForm()["reason"]
    )

    page, own = _controls(response.content.decode()), _controls(widgets)

    assert response.status_code == 400
    assert page.found == own.found
    assert page.options == own.options
