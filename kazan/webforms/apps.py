from django.apps import AppConfig


class WebformsConfig(AppConfig):
    name = "kazan.webforms"
    label = "webforms"
    verbose_name = "Web forms"

    def ready(self) -> None:
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.customers.panels import CustomerPanel, customer_panel_register
        from kazan.webforms.exports import export_kinds_register
        from kazan.webforms.queries import submissions_for_customer
        from kazan.webforms.services import submissions_erase, submissions_export
        from kazan.webforms.step import form_step_register

        form_step_register()
        export_kinds_register()
        gdpr_section_register(
            GdprSection("form_submissions", export=submissions_export, erase=submissions_erase)
        )
        customer_panel_register(
            CustomerPanel(
                "form_submissions",
                "webforms/customer_panel.html",
                lambda request, customer: {
                    "form_submissions": submissions_for_customer(
                        business=request.business, customer=customer
                    ).order_by("-created_at", "-id")[:10]
                },
                order=40,
            )
        )
