from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "kazan.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.messaging import gdpr
        from kazan.messaging.queries import messages_for_customer

        gdpr_section_register(GdprSection("messages", gdpr.messages_export, gdpr.messages_erase))
        customer_panel_register(
            CustomerPanel(
                "messages",
                "messaging/customer_panel.html",
                lambda request, customer: {
                    "messages": messages_for_customer(
                        business=request.business, customer=customer
                    ).order_by("-created_at")[:50]
                },
                order=10,
            )
        )
