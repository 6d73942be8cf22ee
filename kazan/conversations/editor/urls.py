"""The flow editor, mounted at /dashboard/flows/."""

from django.urls import path

from kazan.conversations.editor import views

app_name = "flows"
urlpatterns = [
    path("", views.flow_list, name="list"),
    path("new/", views.flow_new, name="new"),
    path("channels/", views.binding_save, name="bind"),
    path("settings/", views.bot_settings_save, name="settings"),
    path("<int:flow_id>/", views.flow_edit, name="edit"),
    path("<int:flow_id>/preview/", views.flow_preview, name="preview"),
]
