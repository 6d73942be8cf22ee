from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "kazan.loyalty"
    label = "loyalty"

    def ready(self) -> None:
        from kazan.customers.gdpr import GdprSection, gdpr_section_register
        from kazan.loyalty import gdpr

        gdpr_section_register(GdprSection("reviews", gdpr.reviews_export, gdpr.reviews_erase))
