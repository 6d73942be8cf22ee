"""The hosted contact form page at /<business-slug>/form (namespace webform)."""

from django.urls import path

from kazan.webforms import public_views

app_name = "webform"
urlpatterns: list = [
    path("<slug:business_slug>/form", public_views.form_page, name="page"),
]
