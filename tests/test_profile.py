"""The speaker profile: saving it returns to the page with a confirmation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cfp import models as cfp_models
from tests import factories

pytestmark = pytest.mark.django_db


def test_saving_the_profile_stores_it_and_returns_to_the_profile_page() -> None:
    client = Client()
    client.force_login(factories.user("sam"))

    response = client.post(
        reverse("profile"),
        {"name": "Sam Speaker", "bio": "Likes Python.", "links": "https://example.org/sam"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    speaker = cfp_models.Speaker.objects.get(user__username="sam")
    assert (speaker.name, speaker.links) == ("Sam Speaker", ["https://example.org/sam"])
