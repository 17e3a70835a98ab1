"""Staff see consent records and chair-defined questions here, never anybody's answers.

``Answer``, ``SnapshotBasis`` (who answered, under pseudonyms) and report snapshots are not
registered on purpose: the admin lists rows one by one, which is exactly what self-identification
data must never be shown as.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from diversity import models


@admin.register(models.Consent)
class ConsentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "version", "given_at", "withdrawn_at"]
    list_filter = ["version"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "version", "given_at", "withdrawn_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Withdrawal goes through the person's page, which also deletes the answers.
        return False


@admin.register(models.Question)
class QuestionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Chairs add questions on their report page; answers refer to the option values, so staff
    may fix a label's wording but not the answers offered."""

    list_display = ["label", "call", "created_at"]
    ordering = ["position", "id"]
    list_filter = ["call"]
    readonly_fields = ["call", "options", "position", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
