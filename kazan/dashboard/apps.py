from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "kazan.dashboard"
    label = "dashboard"
