from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "kazan.activity"
    label = "activity"
