"""Reviewer pages: /review/<slug>/…"""

from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("<slug:slug>/", views.queue, name="queue"),
    path("<slug:slug>/<str:code>/", views.screen, name="screen"),
]
