"""The QR landing page and its chat, mounted at /<business-slug>/ (namespace landing)."""

from django.urls import path  # noqa: F401

app_name = "landing"
urlpatterns: list = []
