from django.apps import AppConfig


class CfpConfig(AppConfig):
    name = "cfp"
    verbose_name = "Calls for proposals"

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in workers: web processes
        # enqueue by name and, in the embedded default, run tasks in-process.
        from cfp import tasks  # noqa: F401
