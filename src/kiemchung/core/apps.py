from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kiemchung.core"
    label = "core"
    verbose_name = "kiemchung core"

    def ready(self) -> None:
        # Every process that enqueues tasks wakes the workers (kiemchung.core.wake).
        from kiemchung.core import wake  # noqa: F401
