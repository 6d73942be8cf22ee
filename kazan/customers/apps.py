from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kazan.customers"
    label = "customers"
