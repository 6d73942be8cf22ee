from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "kazan.activity"
    label = "activity"

    def ready(self) -> None:
        """Each app describes its own event types in `<app>/activity_types.py`."""
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("activity_types")
