"""The Channels page, mounted at /dashboard/channels/."""

from django.urls import path

from kazan.channels import views

app_name = "channels"
urlpatterns: list = [
    path("", views.installation_list, name="list"),
    path("connect", views.installation_connect, name="connect"),
    path("<int:installation_id>/test", views.installation_test, name="test"),
    path("<int:installation_id>/disconnect", views.installation_disconnect, name="disconnect"),
    path("telegram/me", views.telegram_member_link, name="telegram_me"),
]
