from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "kazan.links"
    label = "links"
    verbose_name = "Secure links"
