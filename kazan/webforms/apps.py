from django.apps import AppConfig


class WebformsConfig(AppConfig):
    name = "kazan.webforms"
    label = "webforms"
    verbose_name = "Web forms"
