"""Self-identification (/me/self-id/) and diversity reports (/chair/<slug>/diversity/)."""

from django.urls import path

from diversity import views

app_name = "diversity"

urlpatterns = [
    path("me/self-id/", views.self_id, name="self_id"),
    path("chair/<slug:slug>/diversity/", views.report, name="report"),
    path("chair/<slug:slug>/diversity/build/", views.build, name="build"),
    path("chair/<slug:slug>/diversity/threshold/", views.threshold, name="threshold"),
    path("chair/<slug:slug>/diversity/targets/", views.targets, name="targets"),
    path("chair/<slug:slug>/diversity/questions/", views.questions, name="questions"),
]
