from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "kazan.loyalty"
    label = "loyalty"

    def ready(self) -> None:
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.list_extensions import customer_list_extension_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.loyalty import gdpr
        from kazan.loyalty.panels import reviews_panel_context, vouchers_panel_context
        from kazan.loyalty.queries import customer_list_extend

        gdpr_section_register(GdprSection("reviews", gdpr.reviews_export, gdpr.reviews_erase))
        gdpr_section_register(GdprSection("vouchers", gdpr.vouchers_export, gdpr.vouchers_erase))
        customer_panel_register(
            CustomerPanel("reviews", "loyalty/customer_panel.html", reviews_panel_context, order=20)
        )
        customer_panel_register(
            CustomerPanel(
                "vouchers", "loyalty/voucher_panel.html", vouchers_panel_context, order=25
            )
        )
        customer_list_extension_register("loyalty", customer_list_extend)
