"""The QR landing page and its chat, mounted at /<business-slug>/ (namespace landing)."""

from django.urls import path

from kazan.channels.web import live, views

app_name = "landing"
urlpatterns: list = [
    path("<slug:business_slug>/", views.landing, name="page"),
    path("<slug:business_slug>/chat", views.chat, name="chat"),
    path("<slug:business_slug>/chat/live", live.chat_live, name="live"),
    path("<slug:business_slug>/go/<slug:target>", views.go, name="go"),
]
