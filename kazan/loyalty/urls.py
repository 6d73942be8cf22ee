"""Voucher redemption at the counter, mounted at /dashboard/vouchers/."""

from django.urls import path

from kazan.loyalty import views

app_name = "vouchers"
urlpatterns = [
    path("", views.counter, name="counter"),
    path("redeem/", views.redeem, name="redeem"),
]
