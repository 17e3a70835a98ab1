from django.urls import path

from cfp import views

app_name = "cfp"

urlpatterns = [
    path("<slug:slug>/", views.call_detail, name="call"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/scan/", views.scan_preview, name="scan"),
    path("<slug:slug>/mine/", views.mine, name="mine"),
    path("<slug:slug>/mine/<str:code>/", views.mine_detail, name="mine_detail"),
    path("<slug:slug>/mine/<str:code>/speakers/", views.speakers, name="speakers"),
    path("<slug:slug>/join/<str:token>/", views.join, name="join"),
]
