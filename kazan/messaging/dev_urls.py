"""Development-only pages, mounted at /dev/ when DEBUG or KAZAN_TESTING (namespace "dev")."""

from django.urls import path

from kazan.messaging import dev_views

app_name = "dev"
urlpatterns: list = [
    path("outbox", dev_views.outbox, name="outbox"),
    path("outbox.json", dev_views.outbox_json, name="outbox_json"),
]
