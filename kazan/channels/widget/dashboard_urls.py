"""The Website widget page, mounted at /dashboard/widget/ (namespace widget_settings)."""

from django.urls import path

from kazan.channels.widget import dashboard_views

app_name = "widget_settings"
urlpatterns: list = [
    path("", dashboard_views.widget_page, name="page"),
    path("rotate", dashboard_views.widget_rotate, name="rotate"),
    path("preview", dashboard_views.widget_preview, name="preview"),
]
