from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "kazan.commerce"
    label = "commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        from kazan.commerce.registrations import commerce_register

        commerce_register()
