"""Reviewer pages: /review/<slug>/…"""

from django.urls import path

from reviews.views import bids, discussion, invitations, others_reviews, reviewer

app_name = "reviews"

urlpatterns = [
    path("<slug:slug>/", reviewer.queue_page, name="queue"),
    path("<slug:slug>/invitation/<str:token>/", invitations.accept, name="accept_invitation"),
    # Before the scoring screen's "<code>/": "bids" and "expertise" are not proposal codes.
    path("<slug:slug>/bids/", bids.bids_page, name="bids"),
    path("<slug:slug>/bids/<str:code>/", bids.bid, name="bid"),
    path("<slug:slug>/expertise/", bids.expertise, name="expertise"),
    path("<slug:slug>/<str:code>/", reviewer.screen_page, name="screen"),
    path("<slug:slug>/<str:code>/recuse/", reviewer.recuse, name="recuse"),
    path("<slug:slug>/<str:code>/others/", others_reviews.others, name="others_reviews"),
    path("<slug:slug>/<str:code>/discussion/", discussion.reviewer_thread, name="discussion"),
]
