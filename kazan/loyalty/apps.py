from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "kazan.loyalty"
    label = "loyalty"

    def ready(self) -> None:
        from kazan.customers.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.loyalty import gdpr
        from kazan.loyalty.queries import reviews_for_customer

        gdpr_section_register(GdprSection("reviews", gdpr.reviews_export, gdpr.reviews_erase))
        customer_panel_register(
            CustomerPanel(
                "reviews",
                "loyalty/customer_panel.html",
                lambda request, customer: {
                    "reviews": reviews_for_customer(business=request.business, customer=customer)
                },
                order=20,
            )
        )
