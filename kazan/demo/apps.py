from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kazan.demo"
    label = "demo"
