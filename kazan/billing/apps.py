from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kazan.billing"
    label = "billing"
