"""Curation pages for chairs: /chair/<slug>/proposals/…, decisions, reveal (see views.curation)."""

from django.urls import URLPattern, path

from reviews.views import curation

app_name = "curation"

urlpatterns: list[URLPattern] = [
    path("<slug:slug>/proposals/<str:code>/", curation.proposal, name="proposal"),
    path("<slug:slug>/proposals/<str:code>/decision/", curation.decide, name="decide"),
    path("<slug:slug>/reveal/", curation.reveal, name="reveal"),
    path("<slug:slug>/displacement/", curation.displacement_page, name="displacement"),
    path("<slug:slug>/decisions/", curation.decision_emails, name="emails"),
    path("<slug:slug>/decisions/preview/", curation.preview, name="preview"),
    path("<slug:slug>/decisions/progress/", curation.send_progress, name="send_progress"),
]
