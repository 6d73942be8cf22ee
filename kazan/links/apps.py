from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "kazan.links"
    label = "links"
    verbose_name = "Secure links"

    def ready(self) -> None:
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.links import my_data_page, registration_page
        from kazan.links.queries import secure_links_export
        from kazan.links.services import secure_links_erase

        registration_page.register()
        my_data_page.register()
        gdpr_section_register(
            GdprSection("secure_links", export=secure_links_export, erase=secure_links_erase)
        )
