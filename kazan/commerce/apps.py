from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "kazan.commerce"
    label = "commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        from kazan.commerce.exports import export_kinds_register
        from kazan.commerce.registrations import commerce_register

        export_kinds_register()
        commerce_register()
