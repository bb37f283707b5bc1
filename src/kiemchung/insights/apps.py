from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "kiemchung.insights"
    label = "insights"
    verbose_name = _("Số liệu")

    def ready(self) -> None:
        from kiemchung.core.schedule import periodic_job_register

        periodic_job_register(
            name="engagement",
            task_path="kiemchung.insights.tasks.engagement_round",
            interval_setting="SCHEDULE_ENGAGEMENT_SECONDS",
            description="Read again the reactions, comments, shares and views of recent "
            "outlet posts from the platforms that give them.",
        )
