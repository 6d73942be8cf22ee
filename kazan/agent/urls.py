"""The Assistant page, mounted at /dashboard/assistant/."""

from django.urls import path

from kazan.agent import views

app_name = "assistant"
urlpatterns = [
    path("", views.assistant_page, name="page"),
    path("try/", views.assistant_try, name="try"),
]
