"""Razorpay Checkout for one-off payments, on the business dashboard.

GET /dashboard/billing/razorpay/<payment_id>/ renders Razorpay's Checkout for the payment's
order (Razorpay has no hosted page for an order): its script is allowed in this page's CSP only.
POST /dashboard/billing/razorpay/callback/ is where Checkout sends the payer back with
razorpay_payment_id, razorpay_order_id (or razorpay_subscription_id) and razorpay_signature.
Razorpay posts it cross-site, so no CSRF token and no session cookie arrive: the signature
(HMAC-SHA256 with our key secret, checked in constant time) is the authority, a bad one is a
clear 400 page. A good one reconciles the payment with the gateway (the webhook stays the source
of truth and changes nothing afterwards) and sends the payer to the payment's page.
"""

from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kazan.billing import queries, services
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways.razorpay.gateway import RazorpayGateway
from kazan.billing.gateways.razorpay.queries import (
    payment_for_order,
    subscription_for_gateway_id,
)
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.money import money_format
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

# Checkout frames and calls Razorpay's API besides loading its script.
API_ORIGIN = "https://api.razorpay.com"
FIELD_MAX = 100


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _allow_checkout(response: HttpResponse) -> HttpResponse:
    """This page, and only this one, may load and frame Razorpay's Checkout."""
    origins = sorted(
        {
            origin
            for origin in (
                _origin(settings.RAZORPAY_CHECKOUT_JS),
                _origin(settings.RAZORPAY_API_BASE) or API_ORIGIN,
            )
            if origin
        }
    )
    # SECURE_CSP maps each directive to its list of sources (kazan/settings.py).
    csp = cast("dict[str, list[str]]", settings.SECURE_CSP)
    config = {key: list(value) for key, value in csp.items()}
    for directive in ("script-src", "connect-src", "img-src"):
        config[directive] = [*config.get(directive, []), *origins]
    config["frame-src"] = [*config.get("frame-src", ["'self'"]), *origins]
    response._csp_config = config  # type: ignore[attr-defined]  # read by the CSP middleware
    return response


@member_required("billing.manage")  # type: ignore[untyped-decorator]  # tenancy's is untyped
@require_GET
def razorpay_checkout(request: BusinessRequest, payment_id: int) -> HttpResponse:
    payment = queries.payment_get(business=request.business, payment_id=payment_id)
    if payment.gateway != RazorpayGateway.key or not payment.gateway_reference:
        raise NotFound()
    if not payment.is_pending:
        return redirect("billing:payment_detail", payment_id=payment.pk)
    detail = reverse("billing:payment_detail", kwargs={"payment_id": payment.pk})
    options = {
        "key": settings.RAZORPAY_KEY_ID,
        "order_id": payment.gateway_reference,
        "amount": payment.amount_minor,
        "currency": payment.currency,
        "name": "Kazan",
        "description": payment.package.name if payment.package else "",
        "callback_url": settings.PUBLIC_URL + reverse("billing:razorpay_callback"),
        "redirect": True,
        "notes": {"payment_id": str(payment.pk)},
        "prefill": {"email": request.user.email},
    }
    response = render(
        request,
        "billing/razorpay_checkout.html",
        {
            "payment": payment,
            "amount": money_format(
                payment.amount_minor, payment.currency, request.business.language
            ),
            "options": options,
            "checkout_js": settings.RAZORPAY_CHECKOUT_JS,
            "cancel_url": f"{detail}?checkout=cancelled",
        },
    )
    return _allow_checkout(response)


def _field(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")[:FIELD_MAX]


@csrf_exempt  # Razorpay posts it from its own page; the signature is the proof
@require_POST
def razorpay_callback(request: HttpRequest) -> HttpResponse:
    payment_id = _field(request, "razorpay_payment_id")
    signature = _field(request, "razorpay_signature")
    order_id = _field(request, "razorpay_order_id")
    subscription_id = _field(request, "razorpay_subscription_id")
    if not signature and request.POST.get("error[code]"):
        # Checkout's failure report: unsigned, so it changes nothing; the webhook tells.
        return render(request, "billing/razorpay_failed.html", status=200)
    if not settings.RAZORPAY_KEY_SECRET:
        # No Razorpay account: no checkout of ours can be calling back.
        raise NotFound()
    gateway = services.gateway_configured(RazorpayGateway.key)
    assert isinstance(gateway, RazorpayGateway)
    if not gateway.checkout_signature_valid(
        payment_id=payment_id,
        signature=signature,
        order_id=order_id,
        subscription_id="" if order_id else subscription_id,
    ):
        raise ValidationFailed(
            _(
                "The payment confirmation could not be verified. Nothing was charged twice; "
                "if you paid, the payment arrives as soon as Razorpay confirms it."
            ),
            code=BillingErrorCode.INVALID_SIGNATURE,
        )
    if order_id:
        payment = payment_for_order(order_id=order_id)
        if payment is None:
            raise NotFound()
        services.payment_reconcile(business=payment.business, payment=payment)
        detail = reverse("billing:payment_detail", kwargs={"payment_id": payment.pk})
        return HttpResponseRedirect(f"{detail}?checkout=success", status=303)
    if subscription_for_gateway_id(gateway_subscription_id=subscription_id) is None:
        raise NotFound()
    # The subscription's state arrives by webhook (subscription.authenticated/.charged).
    return HttpResponseRedirect(reverse("billing:overview"), status=303)
