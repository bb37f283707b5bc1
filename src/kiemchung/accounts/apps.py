from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kiemchung.accounts"
    label = "accounts"
