from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "kazan.crm"
    label = "crm"
    verbose_name = "Telegram CRM"

    def ready(self) -> None:
        # The CRM flow's actions and validators register on import.
        from kazan.crm import actions, actions_menu, validators  # noqa: F401
