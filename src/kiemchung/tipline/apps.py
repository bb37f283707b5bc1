from django.apps import AppConfig


class TiplineConfig(AppConfig):
    name = "kiemchung.tipline"
    label = "tipline"

    def ready(self) -> None:
        from kiemchung.tipline import receivers, signals  # noqa: F401
