"""A call's public page and the speaker's pages under /calls/<slug>/."""

from django.urls import path

from cfp.views import confirmation, cospeakers, mentoring, public, speaker

app_name = "cfp"

urlpatterns = [
    path("<slug:slug>/", public.call_detail, name="call"),
    path("<slug:slug>/submit/", speaker.submit, name="submit"),
    path("<slug:slug>/scan/", speaker.scan_preview, name="scan"),
    path("<slug:slug>/mine/", speaker.mine, name="mine"),
    path("<slug:slug>/mine/<str:code>/", speaker.mine_detail, name="mine_detail"),
    path("<slug:slug>/mine/<str:code>/withdraw/", speaker.withdraw, name="withdraw"),
    path("<slug:slug>/mine/<str:code>/speakers/", cospeakers.speakers, name="speakers"),
    path("<slug:slug>/mine/<str:code>/confirm/", confirmation.confirm, name="confirm"),
    path("<slug:slug>/mine/<str:code>/decline/", confirmation.decline, name="decline"),
    path("<slug:slug>/mine/<str:code>/mentoring/", mentoring.speaker_mentoring, name="mentoring"),
    path("<slug:slug>/join/<str:token>/", cospeakers.join, name="join"),
]
