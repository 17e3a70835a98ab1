"""axe-core on the reviewer's pages: no serious or critical accessibility violation.

axe-core comes from the npm registry into var/npm (git-ignored) the first time it is needed.
The page's Content-Security-Policy forbids injected scripts, so these tests' browser context
bypasses CSP: the pages themselves are unchanged.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.utils import timezone

from cfp import models as cfp_models
from cfp import services as cfp_services
from reviews import models as review_models
from reviews.services import invitations
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

NPM_PREFIX = Path(settings.BASE_DIR) / "var" / "npm"
AXE = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed once to fetch axe-core into var/npm", pytrace=False)
        subprocess.run(
            [npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE


@pytest.fixture
def axe_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def serious_violations(page: Page, axe: Path) -> list[str]:
    page.add_script_tag(path=str(axe))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _call_with_a_reviewer() -> tuple[cfp_models.Call, list[str]]:
    c = factories.call("a11y")
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    codes = []
    for i in range(3):
        owner = factories.user(f"speaker{i}")
        p = factories.proposal(
            c,
            owner,
            title=f"Caching talk {i}",
            abstract="We *cut* page times in half.\n\n- one\n- two",
            track="web" if i % 2 else "data",
        )
        factories.assign(p, reviewer)
        codes.append(p.code)
    # One proposal was scored and changed afterwards, so the screen shows its diff.
    review_models.Review.objects.create(
        call=c,
        proposal=cfp_models.Proposal.objects.get(code=codes[0]),
        reviewer=reviewer,
        scores={"relevance": 4, "clarity": 3},
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    p = cfp_models.Proposal.objects.get(code=codes[0])
    cfp_services.update_proposal(
        call_slug=c.slug,
        code=p.code,
        user_id=p.owner_id or 0,
        data=cfp_services.ProposalData(
            title=p.title, abstract="We cut page times by 80%.", format_slug="talk"
        ),
        now=timezone.now(),
    )
    return c, codes


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["queue", "queue filtered", "screen", "screen with errors"])
def test_reviewer_pages_have_no_serious_accessibility_violations(
    axe_page: Page, axe_script: Path, where: str
) -> None:
    c, codes = _call_with_a_reviewer()
    log_in(axe_page, username="rita", password=factories.PASSWORD)

    if where == "queue":
        axe_page.goto(f"/review/{c.slug}/")
    elif where == "queue filtered":
        axe_page.goto(f"/review/{c.slug}/")
        axe_page.get_by_label("Track").select_option("web")
        axe_page.wait_for_url("**track=web**")
    elif where == "screen":
        axe_page.goto(f"/review/{c.slug}/{codes[0]}/")
        axe_page.get_by_text("What changed since your review").wait_for()
    else:
        axe_page.goto(f"/review/{c.slug}/{codes[1]}/")
        axe_page.get_by_role("button", name="Save", exact=True).click()
        axe_page.get_by_text("Choose a score for Relevance").wait_for()

    assert serious_violations(axe_page, axe_script) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["reviewers page", "accept form", "accept problem"])
def test_invitation_pages_have_no_serious_accessibility_violations(
    axe_page: Page, axe_script: Path, where: str, mailoutbox: list[Any]
) -> None:
    c, _codes = _call_with_a_reviewer()
    invitations.invite_reviewers(
        call_id=c.pk,
        emails=["new@example.org"],
        invited_by_id=None,
        accept_url="/review/a11y/invitation/TOKEN/",
        now=timezone.now() - dt.timedelta(days=60 if where == "accept problem" else 0),
    )
    body = next(m.body for m in mailoutbox if m.to == ["new@example.org"])
    path = next(w for w in body.split() if "/invitation/" in w)

    if where == "reviewers page":
        log_in(axe_page, username="chad", password=factories.PASSWORD)
        axe_page.goto(f"/chair/{c.slug}/reviewers/")
    else:
        factories.user("newbie")
        log_in(axe_page, username="newbie", password=factories.PASSWORD)
        axe_page.goto(path)

    assert serious_violations(axe_page, axe_script) == []


@pytest.mark.browser
def test_the_axe_check_finds_a_planted_violation(browser: Browser, axe_script: Path) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<html lang="en"><head><title>Planted</title></head>'
        '<body><main><img src="x.png"></main></body></html>'
    )

    found = serious_violations(page, axe_script)

    context.close()
    assert [v.split(" ")[0] for v in found] == ["image-alt"]
