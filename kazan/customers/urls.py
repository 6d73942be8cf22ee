from django.urls import path

from kazan.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path(
        "<int:customer_id>/consent/withdraw/",
        views.customer_consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:customer_id>/export/", views.customer_export, name="export"),
    path("<int:customer_id>/erase/", views.customer_erase, name="erase"),
]
