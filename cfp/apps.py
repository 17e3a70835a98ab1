from django.apps import AppConfig


class CfpConfig(AppConfig):
    name = "cfp"
    verbose_name = "Calls for proposals"

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in workers: web processes
        # enqueue by name and, in the embedded default, run tasks in-process.
        from django.contrib.auth.signals import user_logged_in

        from cfp import tasks  # noqa: F401
        from cfp.queries import personal_data
        from cfp.services import mentoring_data
        from cfp.views import languages

        # A person's stored interface language becomes their session's at log-in (issue 24).
        user_logged_in.connect(languages.restore_language, dispatch_uid="cfp.restore_language")
        # Mentoring threads hold what people wrote to each other (issue 25).
        personal_data.register(mentoring_data.PART)
