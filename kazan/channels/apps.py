from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kazan.channels"
    label = "channels"

    def ready(self) -> None:
        # Importing a provider package registers it under its key (providers/base.py).
        from kazan.channels import gdpr
        from kazan.channels.providers import console, twilio, web  # noqa: F401
        from kazan.core.gdpr import GdprSection, gdpr_section_register

        gdpr_section_register(
            GdprSection("inbound_messages", gdpr.inbound_export, gdpr.inbound_erase)
        )
