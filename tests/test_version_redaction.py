"""Each version keeps the redaction made when it was saved, so a later rename cannot leak."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cfp import models as cfp_models
from tests.test_reviewer_screen import NAME, _edit, _score, _world

pytestmark = pytest.mark.django_db


def test_a_saved_version_stores_its_redacted_text() -> None:
    _client, _c, _me, proposals = _world(1)

    version = cfp_models.ProposalVersion.objects.get(proposal=proposals[0], number=1)

    assert version.redacted["abstract"] == "We cut page times in half. By [name]."


def test_a_speaker_who_renames_after_a_review_is_not_named_in_what_changed() -> None:
    client, c, _me, proposals = _world(1)
    _score(client, c, proposals[0])
    # The speaker changes their profile name, then edits the text: today's name no longer
    # matches the old version, whose stored redaction still hides the old one.
    cfp_models.Speaker.objects.filter(proposal_links__proposal=proposals[0]).update(
        name="Pseudonymous Person"
    )
    _edit(proposals[0], abstract="We cut page times by 80%.")

    body = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code])).content.decode()

    assert "What changed since your review" in body
    for part in NAME.split():
        assert part not in body
