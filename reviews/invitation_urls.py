"""The chair's reviewers page: /chair/<slug>/reviewers/"""

from django.urls import path

from reviews import invitation_views

app_name = "reviewers"

urlpatterns = [
    path("<slug:slug>/reviewers/", invitation_views.reviewers, name="list"),
]
