from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "kazan.wallet"
    label = "wallet"
    verbose_name = "Token wallet"

    def ready(self) -> None:
        """Billing hands the wallet's checkout events to it (a purchase's webhook); the
        customer page shows the wallet panel."""
        from kazan.billing.checkout_listeners import checkout_listener_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.wallet.panels import wallet_panel_context
        from kazan.wallet.services import purchase_checkout_event

        checkout_listener_register(purchase_checkout_event)
        customer_panel_register(
            CustomerPanel("wallet", "wallet/customer_panel.html", wallet_panel_context, order=5)
        )
