from django.apps import AppConfig


class WebformsConfig(AppConfig):
    name = "kazan.webforms"
    label = "webforms"
    verbose_name = "Web forms"

    def ready(self) -> None:
        from kazan.core.gdpr import GdprSection, gdpr_section_register
        from kazan.webforms.exports import export_kinds_register
        from kazan.webforms.services import submissions_erase, submissions_export
        from kazan.webforms.step import form_step_register

        form_step_register()
        export_kinds_register()
        gdpr_section_register(
            GdprSection("form_submissions", export=submissions_export, erase=submissions_erase)
        )
