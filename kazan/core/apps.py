from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kazan.core"
    label = "core"
