from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "kazan.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from kazan.customers.gdpr import GdprSection, gdpr_section_register
        from kazan.messaging import gdpr

        gdpr_section_register(GdprSection("messages", gdpr.messages_export, gdpr.messages_erase))
