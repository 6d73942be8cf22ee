"""The order queue's pages of the business dashboard, under /dashboard/queue/ (namespace
queue)."""

from django.urls import path

from kazan.commerce import queue_views as views

app_name = "queue"
urlpatterns = [
    path("", views.queue_list, name="list"),
    path("mine/", views.queue_mine, name="mine"),
    path("bulk/", views.queue_bulk, name="bulk"),
    path("packages/", views.packages_page, name="packages"),
    path("packages/addon/", views.addon_edit, name="addon"),
    path("packages/<int:package_id>/", views.package_edit, name="package_edit"),
    path("<int:token_order_id>/", views.queue_detail, name="detail"),
    path("<int:token_order_id>/status/", views.queue_status, name="status"),
    path("<int:token_order_id>/assign/", views.queue_assign, name="assign"),
    path("<int:token_order_id>/move/", views.queue_move, name="move"),
    path("<int:token_order_id>/note/", views.queue_note, name="note"),
    path("<int:token_order_id>/cancel/", views.queue_cancel, name="cancel"),
    path("<int:token_order_id>/rerun/", views.queue_rerun, name="rerun"),
]
