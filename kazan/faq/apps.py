from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "kazan.faq"
    label = "faq"
    verbose_name = "FAQ"

    def ready(self) -> None:
        from kazan.conversations.fallbacks import fallback_register
        from kazan.core.entitlements import Limit, usage_counter_register
        from kazan.faq.fallback import FaqFallback
        from kazan.faq.queries import faq_count

        # First in the chain (before the agent), as the stub it replaces was.
        fallback_register(FaqFallback(), before="agent")
        usage_counter_register(Limit.FAQS, lambda business: faq_count(business=business))
