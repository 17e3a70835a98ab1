"""Staff configure calls here. The admin is internal and outside the no-ORM-in-templates rule."""

from django.contrib import admin

from cfp import models


class FormatInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.Format
    extra = 0


class TrackInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.Track
    extra = 0


class CriterionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.Criterion
    extra = 0


class QuestionInline(admin.StackedInline):  # type: ignore[type-arg]
    model = models.Question
    extra = 0


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(models.Call)
class CallAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "slug", "opens_at", "closes_at", "timezone"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FormatInline, TrackInline, CriterionInline, QuestionInline, MembershipInline]


@admin.register(models.Proposal)
class ProposalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "title", "call", "state", "submitted_at"]
    list_filter = ["call", "state"]
    search_fields = ["code", "title"]
    raw_id_fields = ["owner"]
    readonly_fields = ["redacted", "findings"]


@admin.register(models.FalsePositive)
class FalsePositiveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["marked_at", "proposal", "field", "text", "marked_by"]
    raw_id_fields = ["proposal", "marked_by"]


@admin.register(models.CoSpeakerInvite)
class CoSpeakerInviteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # The token itself is never stored; the hash is useless to staff, so it is not shown.
    list_display = ["created_at", "proposal", "email", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]
    raw_id_fields = ["proposal", "invited_by", "accepted_by"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False  # invitations come from the owner's page, with a token e-mailed once


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "call", "action", "actor"]
    list_filter = ["call", "action"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
