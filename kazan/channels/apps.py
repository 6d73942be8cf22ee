from django.apps import AppConfig
from django.db.models.signals import post_delete


class ChannelsConfig(AppConfig):
    name = "kazan.channels"
    label = "channels"

    def ready(self) -> None:
        from kazan.campaigns.blocked_chats import blocked_chats_source_register
        from kazan.campaigns.team_chats import team_chats_source_register
        from kazan.channels import gdpr, queries
        from kazan.channels.providers import console, telegram, twilio, web, whatsapp, widget
        from kazan.channels.widget import flow  # noqa: F401 (registers the widget's actions)
        from kazan.core.entitlements import Limit, usage_counter_register
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.messaging.transports import (
            InstallationDirectory,
            installations_register,
            transport_register,
        )

        # The outbox (messaging, below channels) sends through these plugins and installations.
        for plugin in (
            console.CONSOLE,
            twilio.TWILIO,
            web.WEB,
            whatsapp.WHATSAPP,
            widget.WIDGET,
            telegram.TELEGRAM,
        ):
            transport_register(plugin)
        installations_register(
            InstallationDirectory(
                active=lambda business, channel: queries.installation_active(
                    business=business, channel=channel
                ),
                get=queries.unscoped_installation_by_id,
            )
        )
        # A deleted installation (its business erased) stops routing at once, not after the TTL.
        post_delete.connect(
            lambda instance, **kwargs: queries.installation_address_forget(
                provider=instance.provider, index=instance.address_index
            ),
            sender="channels.ChannelInstallation",
            weak=False,
            dispatch_uid="channels.installation_address_forget",
        )
        # The plan's limit on connected numbers and bots counts these (billing, decision 0033).
        usage_counter_register(Limit.CHANNELS, queries.installations_connected_count)
        gdpr_section_register(
            GdprSection("inbound_messages", gdpr.inbound_export, gdpr.inbound_erase)
        )
        # Test-mode broadcasts (campaigns, below channels) go to the team's linked chats.
        team_chats_source_register(queries.admin_chats)
        blocked_chats_source_register(queries.chat_blocked_indexes)
