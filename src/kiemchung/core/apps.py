from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kiemchung.core"
    label = "core"
    verbose_name = "kiemchung core"
