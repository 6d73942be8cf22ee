"""Razorpay Checkout pages, included by kazan/billing/urls.py under /dashboard/billing/razorpay/."""

from django.urls import path

from kazan.billing.gateways.razorpay import views

urlpatterns = [
    path("callback/", views.razorpay_callback, name="razorpay_callback"),
    path("<int:payment_id>/", views.razorpay_checkout, name="razorpay_checkout"),
]
