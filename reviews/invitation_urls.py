"""The chair's reviewers page: /chair/<slug>/reviewers/"""

from django.urls import path

from reviews.views import invitations

app_name = "reviewers"

urlpatterns = [
    path("<slug:slug>/reviewers/", invitations.reviewers, name="list"),
    # Issue 19: remove a reviewer (a confirmation first), resend or withdraw an invitation.
    path(
        "<slug:slug>/reviewers/<int:reviewer_id>/remove/",
        invitations.remove_reviewer,
        name="remove",
    ),
    path(
        "<slug:slug>/reviewers/invitations/<int:invitation_id>/resend/",
        invitations.resend,
        name="resend",
    ),
    path(
        "<slug:slug>/reviewers/invitations/<int:invitation_id>/revoke/",
        invitations.revoke,
        name="revoke",
    ),
]
