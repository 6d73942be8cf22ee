from django.apps import AppConfig


class AgentConfig(AppConfig):
    name = "kazan.agent"
    label = "agent"
    verbose_name = "Shopping agent"
