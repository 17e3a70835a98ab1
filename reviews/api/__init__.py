"""The read-only JSON API, /api/v1/ (issue 20, docs/api.md).

django-ninja: the pydantic schemas in ``schemas`` are both the validation of every answer and the
OpenAPI 3 document served at /api/v1/openapi.json, so the two cannot drift apart. A request
carries a chair's per-call token (``Authorization: Bearer trv1_…``); it reads only that call,
with the access and blindness rules of the chair's pages.
"""

from __future__ import annotations

from reviews.api.endpoints import api

__all__ = ["api"]
