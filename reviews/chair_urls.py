"""Chair pages: /chair/<slug>/…"""

from django.urls import path

from reviews import chair_views

app_name = "chair"

urlpatterns = [
    path("<slug:slug>/", chair_views.dashboard, name="dashboard"),
    path("<slug:slug>/aggregation/", chair_views.aggregation_status, name="aggregation_status"),
    path("<slug:slug>/aggregate/", chair_views.aggregate, name="aggregate"),
    path("<slug:slug>/assign/", chair_views.assign, name="assign"),
    path("<slug:slug>/remind/", chair_views.remind, name="remind"),
    path("<slug:slug>/shortlist/", chair_views.shortlist, name="shortlist"),
    path("<slug:slug>/export.csv", chair_views.export_csv, name="export_csv"),
    path("<slug:slug>/export.xlsx", chair_views.export_xlsx, name="export_xlsx"),
    path("<slug:slug>/export.json", chair_views.export_json, name="export_json"),
]
