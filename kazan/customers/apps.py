from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kazan.customers"
    label = "customers"

    def ready(self) -> None:
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.customers.queries.profiles import profile_rows
        from kazan.customers.services.profiles import profiles_erase, profiles_export

        gdpr_section_register(
            GdprSection("customer_profiles", export=profiles_export, erase=profiles_erase)
        )
        customer_panel_register(
            CustomerPanel(
                "customer_profiles",
                "customers/profiles_panel.html",
                lambda request, customer: {
                    "customer_profiles": profile_rows(business=request.business, customer=customer)
                },
                order=15,
            )
        )
