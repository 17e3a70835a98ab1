"""Chairs configure their call: /chair/<slug>/settings/…, reopening and leak rulings."""

from django.urls import path

from cfp.views import chair_moderation, chair_settings, chair_translations

app_name = "callsettings"

# One view edits the rows of every section of the settings page; the address names the section.
FORMATS = {"section": "formats"}
TRACKS = {"section": "tracks"}
CRITERIA = {"section": "criteria"}
QUESTIONS = {"section": "questions"}

urlpatterns = [
    path("<slug:slug>/settings/", chair_settings.settings_page, name="settings"),
    # The call's texts in each language it accepts (issue 24).
    path(
        "<slug:slug>/settings/translations/",
        chair_translations.translations_page,
        name="translations",
    ),
    path("<slug:slug>/settings/formats/", chair_settings.rows, FORMATS, name="formats"),
    path("<slug:slug>/settings/tracks/", chair_settings.rows, TRACKS, name="tracks"),
    path("<slug:slug>/settings/criteria/", chair_settings.rows, CRITERIA, name="criteria"),
    path("<slug:slug>/settings/questions/", chair_settings.rows, QUESTIONS, name="questions"),
    # Deleting a row says first what it touches; proposals of a format or track move first.
    path(
        "<slug:slug>/settings/formats/<int:row_id>/delete/",
        chair_settings.delete_row,
        FORMATS,
        name="delete_format",
    ),
    path(
        "<slug:slug>/settings/tracks/<int:row_id>/delete/",
        chair_settings.delete_row,
        TRACKS,
        name="delete_track",
    ),
    path(
        "<slug:slug>/settings/criteria/<int:row_id>/delete/",
        chair_settings.delete_row,
        CRITERIA,
        name="delete_criterion",
    ),
    path(
        "<slug:slug>/settings/questions/<int:row_id>/delete/",
        chair_settings.delete_row,
        QUESTIONS,
        name="delete_question",
    ),
    path("<slug:slug>/reopen/<str:code>/", chair_moderation.reopen, name="reopen"),
    path("<slug:slug>/findings/<str:code>/", chair_moderation.findings, name="findings"),
]
