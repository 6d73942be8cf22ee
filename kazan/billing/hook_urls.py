"""Payment gateway webhooks, mounted at /hooks/<gateway>/ (e.g. /hooks/stripe/)."""

from django.urls import path  # noqa: F401

app_name = "billing_hooks"
urlpatterns: list = []
