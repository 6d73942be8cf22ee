"""The contact form's dashboard pages, under /dashboard/forms/ (namespace forms)."""

from django.urls import path

from kazan.webforms import views

app_name = "forms"
urlpatterns = [
    path("", views.submission_list, name="list"),
    path("settings/", views.form_settings, name="settings"),
    path("export/", views.submissions_export, name="export"),
    path("<int:submission_id>/", views.submission_detail, name="detail"),
    path("<int:submission_id>/handled/", views.submission_handled, name="handled"),
    path("<int:submission_id>/delete/", views.submission_delete, name="delete"),
]
