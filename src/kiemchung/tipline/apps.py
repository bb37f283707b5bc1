from django.apps import AppConfig


class TiplineConfig(AppConfig):
    name = "kiemchung.tipline"
    label = "tipline"

    def ready(self) -> None:
        from kiemchung.core.pressure import stored_burst_probe_register
        from kiemchung.core.schedule import periodic_job_register
        from kiemchung.tipline import receivers, selectors, signals  # noqa: F401

        stored_burst_probe_register(selectors.webhooks_stored_in_burst)

        periodic_job_register(
            name="tip_retention",
            task_path="kiemchung.tipline.tasks.tip_retention",
            interval_setting="SCHEDULE_RETENTION_SECONDS",
            description="Delete closed tips past KIEMCHUNG_TIP_RETENTION_DAYS and stale raw rows.",
        )
