"""The chair's reviewers page: /chair/<slug>/reviewers/"""

from django.urls import path

from reviews.views import invitations

app_name = "reviewers"

urlpatterns = [
    path("<slug:slug>/reviewers/", invitations.reviewers, name="list"),
]
