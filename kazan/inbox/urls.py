"""The team inbox, mounted at /dashboard/inbox/ (namespace inbox)."""

from django.urls import path

from kazan.inbox import views

app_name = "inbox"
urlpatterns: list = [
    path("", views.inbox_list, name="list"),
    path("events", views.events, name="events"),
    path("<int:conversation_id>/", views.thread, name="thread"),
    path("<int:conversation_id>/messages", views.thread_messages, name="messages"),
    path("<int:conversation_id>/reply", views.thread_reply, name="reply"),
    path("<int:conversation_id>/note", views.thread_note, name="note"),
    path("<int:conversation_id>/assign", views.thread_assign, name="assign"),
    path("<int:conversation_id>/status", views.thread_status, name="status"),
    path("<int:conversation_id>/give-back", views.thread_give_back, name="give_back"),
    path("canned/", views.canned_list, name="canned"),
    path("canned/<int:response_id>/", views.canned_edit, name="canned_edit"),
    path("canned/<int:response_id>/delete", views.canned_delete, name="canned_delete"),
]
