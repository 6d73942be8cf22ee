from django.apps import AppConfig


class AgentConfig(AppConfig):
    name = "kazan.agent"
    label = "agent"
    verbose_name = "Shopping agent"

    def ready(self) -> None:
        # Registers the LLM engine ("llm") beside the local one.
        from kazan.agent.engines import llm  # noqa: F401
        from kazan.agent.engines.base import engine_register
        from kazan.agent.engines.local import LocalEngine
        from kazan.agent.shop import on_registered
        from kazan.agent.step import agent_step_register
        from kazan.links.events import registered_listener_register

        engine_register(LocalEngine())
        agent_step_register()
        registered_listener_register(on_registered)
