"""The Telegram CRM admin panel under /dashboard/crm/ (namespace crm)."""

from django.urls import path

from kazan.crm import panel_views as views

app_name = "crm"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("figures/", views.figures, name="figures"),
    path("events", views.events, name="events"),
    path("users/", views.users, name="users"),
    path("users/<int:customer_id>/", views.user_detail, name="user"),
    path("users/<int:customer_id>/block/", views.user_block, name="user_block"),
    path("users/<int:customer_id>/notify/", views.user_notify, name="user_notify"),
    path("users/<int:customer_id>/test-notify/", views.test_notify, name="test_notify"),
    path(
        "users/<int:customer_id>/profiles/<int:profile_id>/",
        views.profile_edit,
        name="profile_edit",
    ),
]
