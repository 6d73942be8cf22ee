from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "kazan.conversations"
    label = "conversations"
