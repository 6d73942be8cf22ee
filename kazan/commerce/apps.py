from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "kazan.commerce"
    label = "commerce"
    verbose_name = "Commerce"
