from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "kazan.tenancy"
    label = "tenancy"
