"""The widget's public addresses: /widget.js and /widget/… (namespace "widget")."""

from django.urls import path

from kazan.channels.widget import views

app_name = "widget"
urlpatterns: list = [
    path("widget.js", views.loader, name="loader"),
    path("widget/frame", views.frame, name="frame"),
    path("widget/demo", views.demo, name="demo"),
]
