"""The staff admin. It is internal, so it keeps Django's ``user`` and ``perms`` in templates,
which the rest of the site replaces with the frozen ``person`` dataclass."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.context_processors import PermWrapper
from django.http import HttpRequest


class Site(admin.AdminSite):
    site_header = "Talk review administration"

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context["user"] = request.user
        context["perms"] = PermWrapper(request.user)
        return context


class TalkReviewAdminConfig(AdminConfig):
    default_site = "config.admin.Site"
