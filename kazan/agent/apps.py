from django.apps import AppConfig


class AgentConfig(AppConfig):
    name = "kazan.agent"
    label = "agent"
    verbose_name = "Shopping agent"

    def ready(self) -> None:
        # Registers the LLM engine ("llm") beside the local one.
        from kazan.agent.engines import llm  # noqa: F401
