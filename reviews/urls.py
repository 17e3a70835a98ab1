"""Reviewer pages: /review/<slug>/…"""

from django.urls import path

from reviews import invitation_views, views

app_name = "reviews"

urlpatterns = [
    path("<slug:slug>/", views.queue, name="queue"),
    path(
        "<slug:slug>/invitation/<str:token>/",
        invitation_views.accept,
        name="accept_invitation",
    ),
    path("<slug:slug>/<str:code>/", views.screen, name="screen"),
    path("<slug:slug>/<str:code>/recuse/", views.recuse, name="recuse"),
]
