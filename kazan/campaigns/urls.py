"""Campaigns and reminders, mounted at /dashboard/campaigns/."""

from django.urls import path  # noqa: F401

app_name = "campaigns"
urlpatterns: list = []
