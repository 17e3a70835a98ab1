"""Chair pages: /chair/<slug>/…"""

from django.urls import path

from reviews.views import chair

app_name = "chair"

urlpatterns = [
    path("<slug:slug>/", chair.dashboard_page, name="dashboard"),
    path("<slug:slug>/aggregation/", chair.aggregation_status, name="aggregation_status"),
    path("<slug:slug>/aggregate/", chair.aggregate, name="aggregate"),
    path("<slug:slug>/assign/", chair.assign, name="assign"),
    path("<slug:slug>/remind/", chair.remind, name="remind"),
    path("<slug:slug>/shortlist/", chair.shortlist_page, name="shortlist"),
    path("<slug:slug>/export.csv", chair.export_csv, name="export_csv"),
    path("<slug:slug>/export.xlsx", chair.export_xlsx, name="export_xlsx"),
    path("<slug:slug>/export.json", chair.export_json, name="export_json"),
]
