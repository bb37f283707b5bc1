from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "kiemchung.publishing"
    label = "publishing"
