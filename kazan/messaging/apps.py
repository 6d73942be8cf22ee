from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "kazan.messaging"
    label = "messaging"
