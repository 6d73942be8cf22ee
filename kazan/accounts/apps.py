from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kazan.accounts"
    label = "accounts"
