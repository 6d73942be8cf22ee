"""Voucher redemption at the counter, mounted at /dashboard/vouchers/."""

from django.urls import path

from kazan.loyalty import views

app_name = "vouchers"
urlpatterns = [
    path("", views.counter, name="counter"),
    path("redeem/", views.redeem, name="redeem"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("redemptions/<int:voucher_id>/undo/", views.redemption_undo, name="redemption_undo"),
]
