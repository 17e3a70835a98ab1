from django.apps import AppConfig


class DiversityConfig(AppConfig):
    name = "diversity"
    verbose_name = "Self-identification and diversity reports"

    def ready(self) -> None:
        # Register the Celery tasks in every process: web processes enqueue by name and, in the
        # embedded default, run tasks in-process.
        from cfp.services import personal_data
        from diversity import tasks  # noqa: F401
        from diversity.services import personal_data as diversity_personal_data

        # Self-identification joins the person's data export and goes when they delete it.
        personal_data.register(diversity_personal_data.PART)
