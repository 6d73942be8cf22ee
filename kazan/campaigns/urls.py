"""Campaigns and reminders, mounted at /dashboard/campaigns/."""

from django.urls import path

from kazan.campaigns import views

app_name = "campaigns"
urlpatterns: list = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("audience/count/", views.audience_count, name="audience_count"),
    path("test/", views.campaign_test, name="test"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/delete/", views.campaign_delete, name="delete"),
    path("<int:campaign_id>/resume/", views.campaign_resume, name="resume"),
    path("reminders/", views.reminders, name="reminders"),
]
