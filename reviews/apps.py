from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews, aggregation and curation"

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in workers: web processes
        # enqueue by name and, in the embedded default, run tasks in-process.
        from reviews import tasks  # noqa: F401
