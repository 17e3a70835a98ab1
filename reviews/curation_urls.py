"""Curation pages for chairs: /chair/<slug>/proposals/…, decisions, reveal (see curation_views)."""

from django.urls import URLPattern, path

from reviews import curation_views

app_name = "curation"

urlpatterns: list[URLPattern] = [
    path("<slug:slug>/proposals/<str:code>/", curation_views.proposal, name="proposal"),
    path("<slug:slug>/proposals/<str:code>/decision/", curation_views.decide, name="decide"),
    path("<slug:slug>/reveal/", curation_views.reveal, name="reveal"),
    path("<slug:slug>/displacement/", curation_views.displacement, name="displacement"),
    path("<slug:slug>/decisions/", curation_views.decision_emails, name="emails"),
    path("<slug:slug>/decisions/preview/", curation_views.preview, name="preview"),
    path("<slug:slug>/decisions/send/", curation_views.send, name="send"),
    path("<slug:slug>/decisions/progress/", curation_views.send_progress, name="send_progress"),
]
