from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "kazan.conversations"
    label = "conversations"

    def ready(self) -> None:
        from kazan.conversations import actions, flows, gdpr  # noqa: F401 (registration)
        from kazan.conversations.queries import conversations_for_customer
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register

        gdpr_section_register(
            GdprSection("conversations", gdpr.conversations_export, gdpr.conversations_erase)
        )
        customer_panel_register(
            CustomerPanel(
                "conversation",
                "conversations/customer_panel.html",
                lambda request, customer: {
                    "conversations": conversations_for_customer(
                        business=request.business, customer=customer
                    )[:10]
                },
                order=30,
            )
        )
