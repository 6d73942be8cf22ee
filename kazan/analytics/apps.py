from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "kazan.analytics"
    label = "analytics"
