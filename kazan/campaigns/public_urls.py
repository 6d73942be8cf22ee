"""Tracked short links (/l/<code>) and unsubscribe links (/u/<token>)."""

from django.urls import path

from kazan.campaigns import public_views

app_name = "links"
urlpatterns: list = [
    path("l/<str:code>", public_views.link_open, name="open"),
    path("u/<str:token>", public_views.unsubscribe, name="unsubscribe"),
]
