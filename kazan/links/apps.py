from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "kazan.links"
    label = "links"
    verbose_name = "Secure links"

    def ready(self) -> None:
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.links import my_data_page, registration_page
        from kazan.links.queries import secure_links_export
        from kazan.links.services import secure_links_erase
        from kazan.links.views import customer_panel_context

        registration_page.register()
        customer_panel_register(
            CustomerPanel("secure_links", "links/customer_panel.html", customer_panel_context, 45)
        )
        my_data_page.register()
        gdpr_section_register(
            GdprSection("secure_links", export=secure_links_export, erase=secure_links_erase)
        )
