from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "kazan.channels"
    label = "channels"
