from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("review/<slug:slug>/", views.queue, name="queue"),
    path("review/<slug:slug>/<str:code>/", views.screen, name="screen"),
    path("chair/<slug:slug>/", views.dashboard, name="dashboard"),
    path("chair/<slug:slug>/aggregation/", views.aggregation_status, name="aggregation_status"),
    path("chair/<slug:slug>/aggregate/", views.aggregate, name="aggregate"),
    path("chair/<slug:slug>/assign/", views.assign, name="assign"),
    path("chair/<slug:slug>/export.csv", views.export_csv, name="export_csv"),
]
