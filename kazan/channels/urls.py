"""Inbound webhooks from providers, mounted at /hooks/ (namespace "hooks")."""

from django.urls import path

from kazan.channels.providers.twilio import webhooks as twilio_webhooks

app_name = "hooks"
urlpatterns: list = [
    path("twilio/status", twilio_webhooks.twilio_status, name="twilio_status"),
]
