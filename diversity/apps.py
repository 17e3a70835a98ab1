from django.apps import AppConfig


class DiversityConfig(AppConfig):
    name = "diversity"
    verbose_name = "Self-identification and diversity reports"

    def ready(self) -> None:
        # Register the Celery tasks in every process: web processes enqueue by name and, in the
        # embedded default, run tasks in-process.
        from diversity import tasks  # noqa: F401
