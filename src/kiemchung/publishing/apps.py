from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "kiemchung.publishing"
    label = "publishing"

    def ready(self) -> None:
        # Connects the receivers that drop cached public pages when a fact-check changes.
        from kiemchung.publishing import cache  # noqa: F401
