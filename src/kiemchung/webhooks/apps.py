from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "kiemchung.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from kiemchung.core.schedule import periodic_job_register
        from kiemchung.webhooks import receivers  # noqa: F401

        periodic_job_register(
            name="webhooks_sweep",
            task_path="kiemchung.webhooks.tasks.webhooks_sweep",
            interval_setting="SCHEDULE_WEBHOOKS_SECONDS",
            description="Queue again the webhook deliveries whose task was lost.",
        )
        periodic_job_register(
            name="webhooks_log_prune",
            task_path="kiemchung.webhooks.tasks.webhooks_log_prune",
            interval_setting="SCHEDULE_RETENTION_SECONDS",
            description="Delete webhook deliveries and events past KIEMCHUNG_WEBHOOK_LOG_DAYS.",
        )
