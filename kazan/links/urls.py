"""The team's secure-link actions under /dashboard/links/ (namespace securelinks)."""

from django.urls import path

from kazan.links import views

app_name = "securelinks"
urlpatterns: list = [
    path("<int:link_id>/revoke", views.link_revoke, name="revoke"),
]
