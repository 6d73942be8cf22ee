"""Inbound webhooks from providers, mounted at /hooks/ (namespace "hooks")."""

from django.urls import path

from kazan.channels.providers.telegram import webhooks as telegram_webhooks
from kazan.channels.providers.twilio import inbound as twilio_inbound
from kazan.channels.providers.twilio import webhooks as twilio_webhooks
from kazan.channels.providers.whatsapp import webhooks as whatsapp_webhooks

app_name = "hooks"
urlpatterns: list = [
    path("twilio/status", twilio_webhooks.twilio_status, name="twilio_status"),
    path("twilio/inbound", twilio_inbound.twilio_inbound, name="twilio_inbound"),
    path("whatsapp/<str:hook_key>/", whatsapp_webhooks.whatsapp_webhook, name="whatsapp"),
    path("telegram/<str:hook_key>/", telegram_webhooks.telegram_webhook, name="telegram"),
]
