from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "kazan.wallet"
    label = "wallet"
    verbose_name = "Token wallet"

    def ready(self) -> None:
        """Billing hands the wallet's checkout events to it (a purchase's webhook); the
        customer page shows the wallet panel; a customer's export and erasure cover it."""
        from kazan.billing.checkout_listeners import checkout_listener_register
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.wallet.gdpr import wallet_erase, wallet_export
        from kazan.wallet.panels import wallet_panel_context
        from kazan.wallet.services import purchase_checkout_event

        checkout_listener_register(purchase_checkout_event)
        gdpr_section_register(GdprSection("wallet", wallet_export, wallet_erase))
        customer_panel_register(
            CustomerPanel("wallet", "wallet/customer_panel.html", wallet_panel_context, order=5)
        )
