from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "kiemchung.core"
    label = "core"
    verbose_name = "kiemchung core"

    def ready(self) -> None:
        # Every process that enqueues tasks wakes the workers (kiemchung.core.wake).
        from kiemchung.core import wake  # noqa: F401
        from kiemchung.core.schedule import periodic_job_register

        if settings.TASKS_MODE == "rq":
            periodic_job_register(
                name="rq_recover",
                task_path="kiemchung.core.rq_recovery.rq_recover",
                interval_setting="SCHEDULE_RQ_RECOVER_SECONDS",
                description="Queue again the RQ jobs whose worker died while running them.",
            )
