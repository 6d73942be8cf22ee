from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "kazan.wallet"
    label = "wallet"
    verbose_name = "Token wallet"
