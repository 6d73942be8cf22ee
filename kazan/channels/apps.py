from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kazan.channels"
    label = "channels"

    def ready(self) -> None:
        # Importing a provider package registers it under its key (providers/base.py).
        from kazan.channels.providers import console, twilio  # noqa: F401
