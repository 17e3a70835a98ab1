"""Curation pages for chairs: /chair/<slug>/proposals/…, decisions, reveal (see curation_views)."""

from django.urls import URLPattern

app_name = "curation"

urlpatterns: list[URLPattern] = []
