from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "kazan.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        from kazan.channels.queries import member_chat_for
        from kazan.commerce.services.queue_notifications import operator_chat_resolver_register
        from kazan.crm.panel_queries import member_chat_lookup_register

        # The queue (commerce) tells an operator of an assignment in the chat they linked with
        # the business's bot (channels owns the links; both sit below the dashboard).
        operator_chat_resolver_register(
            lambda business, user: member_chat_for(business=business, user=user)
        )
        # The CRM panel sends a member's test notification to that same chat.
        member_chat_lookup_register(member_chat_for)
