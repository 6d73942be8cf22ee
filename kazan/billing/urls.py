"""SMS package, quota and upgrades, mounted at /dashboard/billing/."""

from django.urls import path  # noqa: F401

app_name = "billing"
urlpatterns: list = []
