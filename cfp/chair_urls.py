"""Chairs configure their call: /chair/<slug>/settings/…, reopening and leak rulings."""

from django.urls import path

from cfp import chair_views

app_name = "callsettings"

urlpatterns = [
    path("<slug:slug>/settings/", chair_views.settings_page, name="settings"),
    path("<slug:slug>/settings/formats/", chair_views.formats, name="formats"),
    path("<slug:slug>/settings/tracks/", chair_views.tracks, name="tracks"),
    path("<slug:slug>/settings/criteria/", chair_views.criteria, name="criteria"),
    path("<slug:slug>/settings/questions/", chair_views.questions, name="questions"),
    path("<slug:slug>/reopen/<str:code>/", chair_views.reopen, name="reopen"),
    path("<slug:slug>/findings/<str:code>/", chair_views.findings, name="findings"),
]
