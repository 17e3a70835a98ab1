from django.apps import AppConfig


class DiversityConfig(AppConfig):
    name = "diversity"
    verbose_name = "Self-identification and diversity reports"
