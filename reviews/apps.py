from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews, aggregation and curation"

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in workers: web processes
        # enqueue by name and, in the embedded default, run tasks in-process. And the reviewing
        # preferences of each call join the person's settings page (cfp's, which cannot import
        # this app).
        from cfp.forms import settings as settings_forms
        from reviews import tasks  # noqa: F401
        from reviews.forms import personal_settings

        settings_forms.register(personal_settings.reviewing_sections)
        # And each call's expertise profile (topics, a few lines) right after them (issue 23).
        from reviews.forms import bids as bid_forms

        settings_forms.register(bid_forms.expertise_sections)
        # The daily discussion digest, opt-out per call (issue 21).
        from reviews.forms import discussion as discussion_forms

        settings_forms.register(discussion_forms.digest_sections)
        # Reviews written join the person's data export; account deletion and a call's purge.
        from cfp.services import personal_data
        from reviews.services import personal_data as reviews_personal_data

        personal_data.register(reviews_personal_data.PART)
        # Discussion posts join the person's data export, erasure and a call's purge.
        from reviews.services import discussion as discussion_services

        personal_data.register(discussion_services.PERSONAL_DATA)
        # The person's API tokens (issue 20): listed in the export, dropped with the account.
        from reviews.services import api_tokens

        personal_data.register(api_tokens.PERSONAL_DATA)
