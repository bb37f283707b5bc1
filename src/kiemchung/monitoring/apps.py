from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "kiemchung.monitoring"
    label = "monitoring"
    verbose_name = _("Theo dõi nguồn tin")

    def ready(self) -> None:
        from kiemchung.core.schedule import periodic_job_register

        periodic_job_register(
            name="sources",
            task_path="kiemchung.monitoring.tasks.sources_round",
            interval_setting="SCHEDULE_SOURCES_SECONDS",
            description="Queue a fetch of every monitoring source that is due.",
        )
