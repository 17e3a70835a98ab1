"""Co-speakers: the owner invites by e-mail, the invitee confirms through a one-time link.

The clock is pinned (``django.utils.timezone.now`` is replaced), so "one second after the close"
and "the fourteenth day" are exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models, services
from tests import factories

pytestmark = pytest.mark.django_db

CLOSES_AT = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
CO_NAME = "Bartholomew Quince"
LINK = re.compile(r"http://testserver(/calls/pycon/join/[^/\s]+/)")


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = CLOSES_AT - dt.timedelta(days=1)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: dt.datetime) -> None:
        self.now = when


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def call(clock: Clock) -> models.Call:
    return factories.call("pycon", opens_at=CLOSES_AT - dt.timedelta(days=30), closes_at=CLOSES_AT)


@pytest.fixture
def sam() -> Any:
    return factories.user("sam", first_name="Samira Quell")


@pytest.fixture
def bart() -> Any:
    return factories.user("bart", first_name=CO_NAME, email="bart@example.org")


@pytest.fixture
def proposal(call: models.Call, sam: Any) -> models.Proposal:
    return factories.proposal(
        call, sam, title="Caching", abstract=f"Written with {CO_NAME}, who found the bug."
    )


def text(response: Any) -> str:
    return html.unescape(str(response.content.decode()))


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def speakers_url(p: models.Proposal) -> str:
    return reverse("cfp:speakers", args=[p.call.slug, p.code])


def detail_url(p: models.Proposal) -> str:
    return reverse("cfp:mine_detail", args=[p.call.slug, p.code])


def invite(
    client: Client,
    p: models.Proposal,
    capture: Any,
    outbox: list[Any],
    email: str = "bart@example.org",
) -> str:
    """Invite through the page; the path of the link in the e-mail."""
    with capture(execute=True):
        response = client.post(speakers_url(p), {"action": "invite", "email": email})
    assert response.status_code == 302, response.content.decode()[:2000]
    match = LINK.search(outbox[-1].body)
    assert match is not None
    return match.group(1)


@pytest.fixture
def invited(
    proposal: models.Proposal,
    sam: Any,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> str:
    return invite(signed_in(sam), proposal, django_capture_on_commit_callbacks, mailoutbox)


# --- inviting --------------------------------------------------------------------------------


def test_the_owner_invites_by_email_and_only_the_token_hash_is_stored(
    invited: str, mailoutbox: list[Any], proposal: models.Proposal
) -> None:
    token = invited.rstrip("/").rsplit("/", 1)[1]

    row = models.CoSpeakerInvite.objects.get(proposal=proposal)
    assert mailoutbox[-1].to == ["bart@example.org"]
    assert "Samira Quell invites you to speak with them on “Caching”" in mailoutbox[-1].body
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    assert row.expires_at == row.created_at + dt.timedelta(days=14)


def test_inviting_someone_who_already_speaks_is_an_error_on_the_email_field(
    proposal: models.Proposal, sam: Any
) -> None:
    response = signed_in(sam).post(
        speakers_url(proposal), {"action": "invite", "email": "SAM@example.org"}
    )

    assert response.status_code == 400
    assert response.context["speaker_form"].errors["email"] == [
        "sam@example.org is already a speaker on this proposal."
    ]
    assert not models.CoSpeakerInvite.objects.exists()


def test_a_second_invitation_to_the_same_address_replaces_the_first(
    invited: str,
    proposal: models.Proposal,
    sam: Any,
    bart: Any,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    second = invite(signed_in(sam), proposal, django_capture_on_commit_callbacks, mailoutbox)

    first_response = signed_in(bart).post(invited)
    second_response = signed_in(bart).post(second)

    assert "This invitation was withdrawn." in text(first_response)
    assert second_response.status_code == 302


# --- joining ----------------------------------------------------------------------------------


def test_opening_the_link_shows_what_the_invitee_is_joining(invited: str, bart: Any) -> None:
    response = signed_in(bart).get(invited)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Samira Quell invites you to speak with them on “Caching”" in html
    assert "Confirm: I speak on this proposal" in html


def test_confirming_makes_the_invitee_a_confirmed_speaker(
    invited: str, bart: Any, proposal: models.Proposal, clock: Clock
) -> None:
    response = signed_in(bart).post(invited)

    link = models.ProposalSpeaker.objects.get(proposal=proposal, speaker__user=bart)
    assert response.status_code == 302
    assert response["Location"] == detail_url(proposal)
    assert link.confirmed_at == clock.now
    assert models.AuditEvent.objects.filter(proposal=proposal, action="speaker.joined").exists()


def test_after_joining_the_scanner_redacts_the_co_speakers_name_too(
    invited: str, bart: Any, proposal: models.Proposal
) -> None:
    assert CO_NAME in proposal.redacted["abstract"]

    signed_in(bart).post(invited)

    proposal.refresh_from_db()
    assert CO_NAME not in proposal.redacted["abstract"]
    assert "[name]" in proposal.redacted["abstract"]


def test_the_co_speaker_then_finds_the_proposal_under_my_proposals(
    invited: str, bart: Any, proposal: models.Proposal
) -> None:
    client = signed_in(bart)
    client.post(invited)

    response = client.get(reverse("cfp:mine", args=[proposal.call.slug]))

    assert [p.code for p in response.context["proposals"]] == [proposal.code]


def test_a_used_link_opened_by_someone_else_says_it_works_only_once(
    invited: str, bart: Any
) -> None:
    signed_in(bart).post(invited)
    otto = signed_in(factories.user("otto"))

    shown = otto.get(invited)
    posted = otto.post(invited)

    assert shown.status_code == posted.status_code == 400
    assert "was used on 2027-02-28 12:00 UTC and works only once" in shown.content.decode()
    assert not models.ProposalSpeaker.objects.filter(speaker__user__username="otto").exists()


def test_the_same_person_opening_their_used_link_again_is_taken_to_the_proposal(
    invited: str, bart: Any, proposal: models.Proposal
) -> None:
    client = signed_in(bart)
    client.post(invited)

    again = client.post(invited)
    shown = client.get(invited)

    assert again["Location"] == shown["Location"] == detail_url(proposal)
    assert models.ProposalSpeaker.objects.filter(proposal=proposal).count() == 2


def test_the_link_works_until_the_last_second_of_its_fourteen_days(
    call: models.Call,
    sam: Any,
    bart: Any,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    clock.set(CLOSES_AT - dt.timedelta(days=20))
    p = factories.proposal(call, sam, title="Early")
    path = invite(signed_in(sam), p, django_capture_on_commit_callbacks, mailoutbox)
    clock.set(clock.now + dt.timedelta(days=14) - dt.timedelta(seconds=1))

    response = signed_in(bart).post(path)

    assert response.status_code == 302


def test_an_expired_link_says_so_and_how_to_get_a_new_one(
    call: models.Call,
    sam: Any,
    bart: Any,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    clock.set(CLOSES_AT - dt.timedelta(days=20))
    p = factories.proposal(call, sam, title="Early")
    path = invite(signed_in(sam), p, django_capture_on_commit_callbacks, mailoutbox)
    clock.set(clock.now + dt.timedelta(days=14))

    response = signed_in(bart).post(path)

    assert response.status_code == 400
    assert (
        "This invitation expired on 2027-02-23 12:00 UTC. Ask the proposal's owner to send a new "
        "one." in text(response)
    )
    assert not models.ProposalSpeaker.objects.filter(speaker__user=bart).exists()


def test_a_made_up_link_is_not_valid(call: models.Call, bart: Any) -> None:
    response = signed_in(bart).get(reverse("cfp:join", args=[call.slug, "made-up"]))

    assert response.status_code == 400
    assert "This invitation link is not valid." in response.content.decode()


def test_a_withdrawn_invitation_no_longer_works(
    invited: str, proposal: models.Proposal, sam: Any, bart: Any
) -> None:
    row = models.CoSpeakerInvite.objects.get(proposal=proposal)
    signed_in(sam).post(speakers_url(proposal), {"action": "revoke", "invite": str(row.pk)})

    response = signed_in(bart).post(invited)

    assert response.status_code == 400
    assert "This invitation was withdrawn." in text(response)


def test_an_anonymous_visitor_is_sent_to_log_in_and_back(invited: str) -> None:
    response = Client().get(invited)

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + invited.replace("/", "%2F")


def test_a_new_person_signs_up_from_the_link_and_lands_back_on_it(
    invited: str, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    client = Client()
    signup = client.get(reverse("signup") + "?next=" + invited)
    assert f'value="{invited}"' in signup.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("signup"),
            {"name": "Newcomer", "email": "new@example.org", "next": invited},
        )
    verify = re.search(r"http://testserver(/accounts/verify/\S+)", mailoutbox[-1].body)
    assert verify is not None
    password = "a-long-enough-passphrase"
    response = client.post(
        verify.group(1), {"name": "Newcomer", "password1": password, "password2": password}
    )

    assert response.status_code == 302
    assert response["Location"] == invited


def test_signup_ignores_a_next_address_on_another_site(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("signup"),
            {"name": "Newcomer", "email": "new@example.org", "next": "https://evil.example/steal"},
        )

    assert "evil.example" not in mailoutbox[-1].body


# --- what co-speakers may do -----------------------------------------------------------------


@pytest.fixture
def co_client(invited: str, bart: Any) -> Client:
    client = signed_in(bart)
    client.post(invited)
    return client


def edit_data(**changes: str) -> dict[str, str]:
    data = {
        "title": "Caching",
        "abstract": "Rewritten by the co-speaker.",
        "format": "talk",
        "track": "web",
        "level": "intermediate",
        "language": "en",
    }
    data.update(changes)
    return data


def test_a_co_speaker_can_edit_the_text(
    co_client: Client, proposal: models.Proposal, bart: Any
) -> None:
    response = co_client.post(detail_url(proposal), edit_data())

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.abstract == "Rewritten by the co-speaker."
    assert proposal.versions.get(number=2).created_by_id == bart.pk


def test_a_co_speaker_cannot_withdraw_the_proposal(
    co_client: Client, proposal: models.Proposal
) -> None:
    co_client.post(detail_url(proposal), {"action": "withdraw"})

    proposal.refresh_from_db()
    assert proposal.state == models.ProposalState.SUBMITTED


def test_a_co_speaker_cannot_invite_others(co_client: Client, proposal: models.Proposal) -> None:
    response = co_client.post(
        speakers_url(proposal), {"action": "invite", "email": "third@example.org"}
    )

    assert response.status_code == 302
    assert not models.CoSpeakerInvite.objects.filter(email="third@example.org").exists()


def test_the_co_speakers_page_offers_no_withdraw_or_invite_controls(
    co_client: Client, proposal: models.Proposal
) -> None:
    html = co_client.get(detail_url(proposal)).content.decode()

    assert "Withdraw this proposal" not in html
    assert "Invite a co-speaker" not in html
    assert "You are a co-speaker" in html


def test_the_owner_removes_a_co_speaker(
    co_client: Client, proposal: models.Proposal, sam: Any, bart: Any
) -> None:
    link = models.ProposalSpeaker.objects.get(proposal=proposal, speaker__user=bart)

    signed_in(sam).post(speakers_url(proposal), {"action": "remove", "speaker": str(link.pk)})

    assert not models.ProposalSpeaker.objects.filter(pk=link.pk).exists()
    assert co_client.get(detail_url(proposal)).status_code == 404


def test_the_owner_cannot_remove_themself(proposal: models.Proposal, sam: Any) -> None:
    link = models.ProposalSpeaker.objects.get(proposal=proposal, speaker__user=sam)

    response = signed_in(sam).post(
        speakers_url(proposal), {"action": "remove", "speaker": str(link.pk)}
    )

    assert response.status_code == 400
    assert "You cannot remove yourself; withdraw the proposal instead." in text(response)


# --- the line-up is locked after the deadline, like the text --------------------------------


@pytest.mark.parametrize(("offset", "allowed"), [(-1, True), (0, False), (1, False)])
def test_inviting_is_allowed_until_the_close_to_the_second(
    proposal: models.Proposal, sam: Any, clock: Clock, offset: int, allowed: bool
) -> None:
    clock.set(CLOSES_AT + dt.timedelta(seconds=offset))

    response = signed_in(sam).post(
        speakers_url(proposal), {"action": "invite", "email": "late@example.org"}
    )

    assert models.CoSpeakerInvite.objects.exists() is allowed
    if not allowed:
        assert response.status_code == 400
        assert (
            "The call closed at 2027-03-01 12:00 UTC: the speaker line-up can no longer change."
            in text(response)
        )


@pytest.mark.parametrize(("offset", "allowed"), [(-1, True), (1, False)])
def test_accepting_is_allowed_until_the_close_to_the_second(
    invited: str, bart: Any, clock: Clock, offset: int, allowed: bool
) -> None:
    clock.set(CLOSES_AT + dt.timedelta(seconds=offset))

    response = signed_in(bart).post(invited)

    assert models.ProposalSpeaker.objects.filter(speaker__user=bart).exists() is allowed
    if not allowed:
        assert "the speaker line-up can no longer change" in response.content.decode()


def test_accepting_after_the_close_works_while_the_proposal_is_reopened(
    invited: str, bart: Any, proposal: models.Proposal, clock: Clock
) -> None:
    models.Proposal.objects.filter(pk=proposal.pk).update(
        reopened_until=CLOSES_AT + dt.timedelta(hours=2)
    )
    clock.set(CLOSES_AT + dt.timedelta(hours=1))

    response = signed_in(bart).post(invited)

    assert response.status_code == 302
    assert models.ProposalSpeaker.objects.filter(speaker__user=bart).exists()


def test_removing_a_co_speaker_after_the_close_is_refused(
    co_client: Client, proposal: models.Proposal, sam: Any, bart: Any, clock: Clock
) -> None:
    link = models.ProposalSpeaker.objects.get(proposal=proposal, speaker__user=bart)
    clock.set(CLOSES_AT + dt.timedelta(seconds=1))

    response = signed_in(sam).post(
        speakers_url(proposal), {"action": "remove", "speaker": str(link.pk)}
    )

    assert response.status_code == 400
    assert models.ProposalSpeaker.objects.filter(pk=link.pk).exists()


def test_a_co_speakers_edit_one_second_after_the_close_is_refused(
    co_client: Client, proposal: models.Proposal, clock: Clock
) -> None:
    clock.set(CLOSES_AT + dt.timedelta(seconds=1))

    response = co_client.post(detail_url(proposal), edit_data(abstract="Too late."))

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert "Too late." in response.content.decode()
    assert proposal.abstract != "Too late."


def test_the_service_refuses_a_line_up_change_by_someone_other_than_the_owner(
    co_client: Client, proposal: models.Proposal, bart: Any, clock: Clock
) -> None:
    with pytest.raises(services.UnableToChangeSpeakers):
        services.invite_co_speaker(
            call_slug=proposal.call.slug,
            code=proposal.code,
            owner_id=bart.pk,
            email="x@example.org",
            join_url="http://x/TOKEN/",
            now=clock.now,
        )


# --- query budget -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_the_proposal_page_runs_a_fixed_number_of_queries_whatever_the_speakers_and_invites(
    proposal: models.Proposal,
    sam: Any,
    clock: Clock,
    assert_queries: Callable[[int], Any],
    rows: int,
) -> None:
    for n in range(rows):
        speaker = models.Speaker.objects.create(name=f"Co {n}", email=f"co{n}@example.org")
        models.ProposalSpeaker.objects.create(proposal=proposal, speaker=speaker, position=n + 1)
        models.CoSpeakerInvite.objects.create(
            proposal=proposal,
            email=f"inv{n}@example.org",
            token_hash=f"h{n}",
            created_at=clock.now,
            expires_at=clock.now + dt.timedelta(days=14),
        )
    models.Question.objects.create(call=proposal.call, label="Q", kind="short_text")
    client = signed_in(sam)

    # session, user, call (+formats, tracks, criteria), proposal (+links with their speakers),
    # questions, answers, invites, nav roles.
    with assert_queries(12):
        response = client.get(detail_url(proposal))

    assert len(response.context["proposal"].speakers) == rows + 1
    assert len(response.context["invites"]) == rows


def test_the_invitation_link_is_not_kept_in_the_outbox_once_sent(
    invited: str, proposal: models.Proposal
) -> None:
    token = invited.rstrip("/").rsplit("/", 1)[1]
    invite_row = models.CoSpeakerInvite.objects.get(proposal=proposal)

    row = models.EmailOutbox.objects.get(key=f"invite:{invite_row.pk}")

    assert row.sent_at is not None
    assert token not in row.body
