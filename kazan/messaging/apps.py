from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "kazan.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import (
            CustomerFact,
            CustomerPanel,
            customer_fact_register,
            customer_panel_register,
        )
        from kazan.messaging import gdpr
        from kazan.messaging.queries import customer_sms_received, messages_for_customer

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
        customer_fact_register(
            CustomerFact("sms-received", _("SMS received"), customer_sms_received)
        )
