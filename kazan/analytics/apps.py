from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "kazan.analytics"
    label = "analytics"

    def ready(self) -> None:
        from kazan.analytics import gdpr
        from kazan.core.gdpr import GdprSection, gdpr_section_register

        gdpr_section_register(GdprSection("events", gdpr.events_export, gdpr.events_erase))
