from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "kazan.faq"
    label = "faq"
    verbose_name = "FAQ"
