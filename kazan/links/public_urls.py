"""The secure links' pages at /<business-slug>/link/<token> (namespace links)."""

from django.urls import path

from kazan.links import public_views

app_name = "links"
urlpatterns: list = [
    path("<slug:business_slug>/link/<str:token>", public_views.link_page, name="page"),
]
