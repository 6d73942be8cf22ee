from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "kazan.wallet"
    label = "wallet"
    verbose_name = "Token wallet"

    def ready(self) -> None:
        """Billing hands the wallet's checkout events to it (a purchase's webhook)."""
        from kazan.billing.checkout_listeners import checkout_listener_register
        from kazan.wallet.services import purchase_checkout_event

        checkout_listener_register(purchase_checkout_event)
