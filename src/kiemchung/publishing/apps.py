from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "kiemchung.publishing"
    label = "publishing"

    def ready(self) -> None:
        from kiemchung.core.schedule import periodic_job_register

        # Connects the receivers that drop cached public pages when a fact-check changes.
        from kiemchung.publishing import cache  # noqa: F401

        periodic_job_register(
            name="claimreview_import",
            task_path="kiemchung.publishing.tasks.claimreview_sources_round",
            interval_setting="SCHEDULE_CLAIMREVIEW_SECONDS",
            description="Import every active subscribed ClaimReview feed and page again.",
        )
