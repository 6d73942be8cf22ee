"""Campaigns and reminders, mounted at /dashboard/campaigns/."""

from django.urls import path

from kazan.campaigns import views

app_name = "campaigns"
urlpatterns: list = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("audience/count/", views.audience_count, name="audience_count"),
    path("test/", views.campaign_test, name="test"),
    path("broadcast/new/", views.broadcast_new, name="broadcast_new"),
    path("broadcast/test/", views.broadcast_test, name="broadcast_test"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/delivery/", views.campaign_delivery, name="delivery"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/delete/", views.campaign_delete, name="delete"),
    path("<int:campaign_id>/resume/", views.campaign_resume, name="resume"),
    path("reminders/", views.reminders, name="reminders"),
]
