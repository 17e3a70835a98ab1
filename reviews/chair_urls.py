"""Chair pages: /chair/<slug>/…"""

from django.urls import path

from reviews.views import (
    api_tokens,
    chair,
    curation,
    discussion,
    manual_assignment,
    mentoring,
    notices,
    outbox,
    review_plan,
    tags,
)

app_name = "chair"

urlpatterns = [
    path("<slug:slug>/", chair.dashboard_page, name="dashboard"),
    path("<slug:slug>/aggregation/", chair.aggregation_status, name="aggregation_status"),
    path("<slug:slug>/aggregate/", chair.aggregate, name="aggregate"),
    path("<slug:slug>/assign/", chair.assign, name="assign"),
    path("<slug:slug>/assignment/run/", manual_assignment.run_assignment, name="run_assignment"),
    path(
        "<slug:slug>/proposals/<str:code>/reviewers/",
        manual_assignment.proposal_reviewers,
        name="proposal_reviewers",
    ),
    path(
        "<slug:slug>/reviewers/<int:reviewer_id>/",
        manual_assignment.reviewer_assignments,
        name="reviewer_assignments",
    ),
    path("<slug:slug>/remind/", chair.remind, name="remind"),
    path(
        "<slug:slug>/proposals/<str:code>/discussion/", discussion.chair_thread, name="discussion"
    ),
    path(
        "<slug:slug>/proposals/<str:code>/discussion/open/",
        discussion.open_thread,
        name="discussion_open",
    ),
    path("<slug:slug>/extra-reviews/", review_plan.extra_reviews, name="extra_reviews"),
    path("<slug:slug>/consistency/", review_plan.consistency, name="consistency"),
    path("<slug:slug>/shortlist/", chair.shortlist_page, name="shortlist"),
    path("<slug:slug>/tags/", tags.tags_page, name="tags"),
    path("<slug:slug>/proposals/<str:code>/tags/", tags.proposal_tags, name="proposal_tags"),
    path("<slug:slug>/shortlist/decide/", curation.bulk_decide, name="bulk_decide"),
    path("<slug:slug>/outbox/", outbox.outbox_page, name="outbox"),
    path("<slug:slug>/mentoring/", mentoring.mentoring_page, name="mentoring"),
    path("<slug:slug>/notices/<int:notice_id>/dismiss/", notices.dismiss, name="notice_dismiss"),
    path("<slug:slug>/outbox/feedback/", outbox.feedback, name="outbox_feedback"),
    path("<slug:slug>/outbox/generate/", outbox.generate, name="outbox_generate"),
    path("<slug:slug>/outbox/<int:draft_id>/", outbox.draft, name="outbox_draft"),
    path("<slug:slug>/outbox/<int:draft_id>/discard/", outbox.discard, name="outbox_discard"),
    path("<slug:slug>/outbox/<int:draft_id>/resend/", outbox.resend, name="outbox_resend"),
    path("<slug:slug>/outbox/send/<str:status>/", outbox.send_group, name="outbox_send"),
    path("<slug:slug>/export.csv", chair.export_csv, name="export_csv"),
    path("<slug:slug>/export.xlsx", chair.export_xlsx, name="export_xlsx"),
    path("<slug:slug>/export.json", chair.export_json, name="export_json"),
    path("<slug:slug>/api-tokens/", api_tokens.api_tokens_page, name="api_tokens"),
    path(
        "<slug:slug>/api-tokens/<int:token_id>/revoke/",
        api_tokens.revoke_token,
        name="api_token_revoke",
    ),
]
