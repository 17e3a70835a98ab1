"""The API's endpoints: check the token → parse → one query function → schema.

Access: the token must be live, carry the ``read`` scope, belong to the call in the path, and
its owner must still be a chair of that call (not archived); anything else is 401 (no or a dead
token), 403 (no such scope) or 404 (another call, or no longer a chair), as the pages answer
non-members. What the answers show of a proposal follows the chair's phase, so a blind chair's
token reads redacted texts and no speaker.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import Field

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from reviews.api import schemas
from reviews.domain import api_tokens, spreadsheets
from reviews.queries import api_tokens as token_queries
from reviews.queries import dashboard, exports
from reviews.services import api_tokens as token_services

# Per token; settings.API_RATE_LIMIT overrides it (docs/api.md).
DEFAULT_RATE = "600/m"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500

ERRORS: dict[int, Any] = {
    401: schemas.Error,
    403: schemas.Error,
    404: schemas.Error,
    422: schemas.ValidationErrors,
    429: schemas.Error,
}


class RateLimited(Exception):
    """The token spent its budget of requests."""


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> token_queries.PresentedToken | None:
        secret = api_tokens.bearer(f"Bearer {token}")
        if secret is None:
            return None
        found = token_queries.presented(token=secret)
        if found is None:
            return None
        rate = getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE)
        if is_ratelimited(
            request,
            group="api:token",
            key=lambda _group, _request: str(found.token_id),
            rate=rate,
            increment=True,
        ):
            raise RateLimited
        return found


class _Api(NinjaAPI):
    """django-ninja without its root URL: that page only answers 404, yet it is where ninja
    learns the API's prefix for the schema; the schema's own URL tells it as well."""

    def _get_urls(self) -> list[Any]:
        return [u for u in super()._get_urls() if getattr(u, "name", None) != "api-root"]

    def get_root_path(self, path_params: dict[str, Any]) -> str:
        schema = reverse(f"{self.urls_namespace}:openapi-json", kwargs=path_params)
        return schema.removesuffix("openapi.json")


api = _Api(
    title="Talk review API",
    version="1",
    description="Read-only access to one call per token. See docs/api.md.",
    urls_namespace="api",
    # Swagger UI loads its assets from a CDN, which the CSP (and offline installs) refuse.
    docs_url=None,
    openapi_url="/openapi.json",
    # The schema is public and read-only: other methods are 405 like everywhere else.
    docs_decorator=require_http_methods(["GET", "HEAD"]),
    auth=TokenAuth(),
)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Too many requests for this token; try again in a minute."}, status=429
    )


def _member(request: HttpRequest, slug: str) -> cfp_queries.CallMembership:
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, token_queries.PresentedToken)
    if token.call_slug != slug:
        raise HttpError(404, "No such call for this token.")
    if "read" not in token.scopes:
        raise HttpError(403, "This token has no read scope.")
    member = cfp_queries.call_membership(
        user_id=token.user_id, slug=slug, role=cfp_models.Role.CHAIR
    )
    if member is None:
        raise HttpError(404, "No such call for this token.")
    token_services.note_use(
        token_id=token.token_id, last_used_at=token.last_used_at, now=timezone.now()
    )
    return member


def _neighbours(
    request: HttpRequest, *, count: int, limit: int, offset: int, **extra: str
) -> tuple[str | None, str | None]:
    def link(at: int) -> str:
        return f"{request.path}?{urlencode({**extra, 'limit': limit, 'offset': at})}"

    following = link(offset + limit) if offset + limit < count else None
    previous = link(max(0, offset - limit)) if offset > 0 else None
    return following, previous


class Paging(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows a page.")
    offset: int = Field(0, ge=0, description="Rows to skip.")


Scope = Literal["all", "shortlist"]


NESTED = ("aggregate", "speakers")


def _proposal(record: dict[str, Any]) -> dict[str, Any]:
    speakers = record["speakers"]
    return {
        **{
            k: record[k]
            for k in schemas.Proposal.model_fields
            if k not in ("aggregate", "speakers")
        },
        "aggregate": {k: record[k] for k in schemas.Aggregate.model_fields},
        "speakers": None
        if speakers is None
        else [{k: s[k] for k in schemas.Speaker.model_fields} for s in speakers],
    }


@api.get(
    "/calls/{slug}/proposals",
    response={200: schemas.ProposalPage, **ERRORS},
    url_name="proposals",
    summary="The call's proposals with their aggregates and decisions",
)
def proposals(
    request: HttpRequest, slug: str, paging: Query[Paging], scope: Scope = "all"
) -> dict[str, Any]:
    """Every live proposal (``scope=all``, in calibrated order) or the shortlist (accepted, then
    waitlisted). Speakers only where the policy shows identities to the token's chair."""
    member = _member(request, slug)
    count = exports.count(call_id=member.call_id, scope=scope)
    items = [
        _proposal(r)
        for r in exports.records(
            call_id=member.call_id,
            phase=member.phase,
            scope=scope,
            offset=paging.offset,
            limit=paging.limit,
        )
    ]
    following, previous = _neighbours(
        request, count=count, limit=paging.limit, offset=paging.offset, scope=scope
    )
    return {
        "count": count,
        "limit": paging.limit,
        "offset": paging.offset,
        "next": following,
        "previous": previous,
        "items": items,
    }


@api.get(
    "/calls/{slug}/reviewers",
    response={200: schemas.ReviewerPage, **ERRORS},
    url_name="reviewers",
    summary="Each reviewer's progress: assigned and done",
)
def reviewers(request: HttpRequest, slug: str, paging: Query[Paging]) -> dict[str, Any]:
    """The call's reviewers, least complete first (the dashboard's order)."""
    member = _member(request, slug)
    rows = dashboard.reviewer_progress(call_id=member.call_id, today=timezone.localdate())
    page = rows[paging.offset : paging.offset + paging.limit]
    following, previous = _neighbours(
        request, count=len(rows), limit=paging.limit, offset=paging.offset
    )
    return {
        "count": len(rows),
        "limit": paging.limit,
        "offset": paging.offset,
        "next": following,
        "previous": previous,
        "items": [
            {
                "id": r.user_id,
                "name": r.name,
                "assigned": r.assigned,
                "done": r.shown_done,
                "percent": r.percent,
            }
            for r in page
        ],
    }


@api.get(
    "/calls/{slug}/export.json",
    response={200: list[schemas.ExportRow], **ERRORS},
    url_name="export_json",
    summary="The JSON export (docs/export.schema.json), streamed",
)
def export_json(request: HttpRequest, slug: str, scope: Scope = "shortlist") -> HttpResponse:
    """The chair's JSON download, whole and streamed: the shortlist or every proposal."""
    member = _member(request, slug)
    rows = exports.rows(call_id=member.call_id, phase=member.phase, scope=scope)
    header = exports.columns(phase=member.phase)
    return StreamingHttpResponse(  # type: ignore[return-value]
        spreadsheets.write(kind="json", header=header, rows=rows),
        content_type=spreadsheets.CONTENT_TYPES["json"],
    )
