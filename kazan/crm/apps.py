from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "kazan.crm"
    label = "crm"
    verbose_name = "Telegram CRM"
