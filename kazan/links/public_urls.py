"""The secure links' pages at /<business-slug>/link/<token> (namespace securelink)."""

from django.urls import path

from kazan.links import public_views

app_name = "securelink"
urlpatterns: list = [
    path("<slug:business_slug>/link/<str:link_token>", public_views.link_page, name="page"),
]
