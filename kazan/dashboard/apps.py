from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "kazan.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        from kazan.channels.queries import member_chat_for
        from kazan.crm.panel_queries import member_chat_lookup_register

        # The CRM panel (below channels) sends a member's test notification to their own
        # Telegram chat, which only channels knows.
        member_chat_lookup_register(member_chat_for)
