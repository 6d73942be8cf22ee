"""The FAQ pages, mounted at /dashboard/faq/."""

from django.urls import path

from kazan.faq import views

app_name = "faq"
urlpatterns = [
    path("", views.faq_list, name="list"),
    path("new/", views.faq_new, name="new"),
    path("<int:faq_id>/edit/", views.faq_edit, name="edit"),
    path("<int:faq_id>/toggle/", views.faq_toggle, name="toggle"),
    path("<int:faq_id>/delete/", views.faq_delete, name="delete"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:synonym_id>/edit/", views.synonym_edit, name="synonym_edit"),
    path("synonyms/<int:synonym_id>/delete/", views.synonym_delete, name="synonym_delete"),
    path("import/", views.faq_import, name="import"),
    path("export/", views.faq_export_download, name="export"),
    path("unanswered/", views.unanswered, name="unanswered"),
    path("unanswered/<int:question_id>/dismiss/", views.unanswered_dismiss, name="dismiss"),
    path("try/", views.faq_try, name="try"),
]
