"""Tracked short links (/l/<code>) and unsubscribe links (/u/<token>)."""

from django.urls import path  # noqa: F401

app_name = "links"
urlpatterns: list = []
