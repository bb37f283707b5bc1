from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "kiemchung.claims"
    label = "claims"
