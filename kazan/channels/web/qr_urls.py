"""The business's QR code downloads (PNG, SVG, A5 table card PDF), mounted at /dashboard/qr/."""

from django.urls import path  # noqa: F401

app_name = "qr"
urlpatterns: list = []
