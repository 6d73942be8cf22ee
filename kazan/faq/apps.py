from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "kazan.faq"
    label = "faq"
    verbose_name = "FAQ"

    def ready(self) -> None:
        from kazan.conversations.fallbacks import fallback_register
        from kazan.faq.fallback import FaqFallback

        # First in the chain (before the agent), as the stub it replaces was.
        fallback_register(FaqFallback(), before="agent")
