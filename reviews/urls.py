"""Reviewer pages: /review/<slug>/…"""

from django.urls import path

from reviews.views import invitations, reviewer

app_name = "reviews"

urlpatterns = [
    path("<slug:slug>/", reviewer.queue_page, name="queue"),
    path("<slug:slug>/invitation/<str:token>/", invitations.accept, name="accept_invitation"),
    path("<slug:slug>/<str:code>/", reviewer.screen_page, name="screen"),
    path("<slug:slug>/<str:code>/recuse/", reviewer.recuse, name="recuse"),
]
