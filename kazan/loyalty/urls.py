"""Voucher redemption at the counter, mounted at /dashboard/vouchers/."""

from django.urls import path  # noqa: F401

app_name = "vouchers"
urlpatterns: list = []
