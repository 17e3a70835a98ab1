"""Self-identification (/me/self-id/) and diversity reports (/chair/<slug>/diversity/)."""

from django.urls import URLPattern

app_name = "diversity"

urlpatterns: list[URLPattern] = []
