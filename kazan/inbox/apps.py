from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "kazan.inbox"
    label = "inbox"
