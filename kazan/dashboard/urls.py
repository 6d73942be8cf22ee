from django.urls import path

from kazan.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.business_pick, name="business_pick"),
    path("activity/", views.activity, name="activity"),
    path("settings/", views.settings, name="settings"),
]
