from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kiemchung.audit"
    label = "audit"
