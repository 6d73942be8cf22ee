"""Billing pages of the business dashboard. Thin: parse, authorize, call a query or service,
render. Payments are loaded through queries.payment_get with request.business, so another
tenant's payment id is a 404; the staff confirm page is the one unscoped view (staff_required).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.billing import queries, services
from kazan.billing.forms import OxaPayAccountForm
from kazan.billing.plan_views import gateway_form_action_allow, plan_overview_context
from kazan.core.errors import Conflict, ValidationFailed
from kazan.core.money import money_format
from kazan.tenancy.decorators import member_required, staff_required
from kazan.tenancy.http import BusinessRequest

HISTORY_SIZE = 20


@member_required()
@require_GET
def billing_overview(request: BusinessRequest) -> HttpResponse:
    """The plan card, usage against each limit, next charge, invoices, payment method, and the
    SMS package section (add-ons on any plan). Everyone in the team reads it; changes need
    billing.manage."""
    business = request.business
    can_manage = request.membership.can("billing.manage")
    history_page, history = queries.credit_history(
        business=business, page_number=request.GET.get("page")
    )
    context = {
        **plan_overview_context(business=business),
        "quota": queries.quota_status(business=business),
        "page": history_page,
        "history": history,
        "query": "",
        "can_manage": can_manage,
        "options": queries.package_options(business=business) if can_manage else [],
        "payments": queries.payments_for(business=business)[:HISTORY_SIZE] if can_manage else [],
        # Back from the gateway's checkout: its webhook may not have arrived yet.
        "subscribed": request.GET.get("subscribed") == "1",
    }
    try:
        gateway = services.gateway_configured()
        redirects, origin = gateway.redirects, getattr(gateway, "checkout_origin", "")
    except services.PaymentGatewayUnavailable:
        redirects, origin = False, ""  # the upgrade itself answers with the clear message
    context["gateway_redirects"] = redirects
    # "Manage card" and "Pay now" post to billing:portal, which redirects to the portal.
    origins = " ".join(o for o in (origin, context.get("portal_origin", "")) if o)
    return gateway_form_action_allow(render(request, "billing/overview.html", context), origins)


@member_required("billing.manage")
@require_POST
def package_upgrade(request: BusinessRequest) -> HttpResponse:
    package = queries.package_get_active(package_id=request.POST.get("package", ""))
    started = services.package_upgrade_start(
        business=request.business, package=package, actor=request.user
    )
    if started.redirect_url:
        if urlsplit(started.redirect_url).scheme not in ("https", "http"):
            raise Conflict(_("The payment provider answered with an unusable address."))
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = started.redirect_url
            return response
        return redirect(started.redirect_url)
    messages.success(
        request,
        _("Your order is recorded. The credits arrive as soon as we have confirmed your payment."),
    )
    return redirect("billing:payment_detail", payment_id=started.payment.pk)


@member_required("billing.manage")
@require_GET
def payment_detail(request: BusinessRequest, payment_id: int) -> HttpResponse:
    payment = queries.payment_get(business=request.business, payment_id=payment_id)
    checkout = request.GET.get("checkout", "")
    if checkout == "success" and payment.is_pending:
        # Back from the gateway's page: ask it, in case the webhook has not arrived yet.
        payment = services.payment_reconcile(business=request.business, payment=payment)
    return render(
        request,
        "billing/payment_detail.html",
        {
            "payment": payment,
            "checkout": checkout if checkout in ("success", "cancelled") else "",
            "amount": money_format(
                payment.amount_minor, payment.currency, request.business.language
            ),
            "reference": services.payment_reference(payment),
            # Only a pending manual payment needs them; None there: "cannot be paid yet".
            "bank": queries.bank_details() if payment.is_pending else None,
        },
    )


@member_required("billing.manage")
@require_POST
def payment_cancel(request: BusinessRequest, payment_id: int) -> HttpResponse:
    payment = queries.payment_get(business=request.business, payment_id=payment_id)
    services.payment_cancel(business=request.business, payment=payment, actor=request.user)
    messages.success(request, _("The order was cancelled."))
    return redirect("billing:overview")


@staff_required
@require_http_methods(["GET", "POST"])
def payment_confirm(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Platform staff: the money of a manual payment arrived."""
    payment = queries.unscoped_payment_get(payment_id=payment_id)
    if request.method == "POST":
        services.payment_confirm(payment=payment, actor=request.user)
        messages.success(request, _("The payment was confirmed and the credits were added."))
        return redirect("billing:payment_confirm", payment_id=payment.pk)
    return render(
        request,
        "billing/payment_confirm.html",
        {
            "payment": payment,
            "amount": money_format(payment.amount_minor, payment.currency, None),
            "reference": services.payment_reference(payment),
        },
    )


@member_required("billing.manage")
@require_http_methods(["GET", "POST"])
def oxapay_account(request: BusinessRequest) -> HttpResponse:
    """The business's own OxaPay merchant account: its customers' crypto payments go to it."""
    business = request.business
    form = OxaPayAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["remove"]:
            try:
                services.gateway_account_remove(
                    business=business, gateway="oxapay", actor=request.user
                )
            except ValidationFailed as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("Your OxaPay account was disconnected."))
            return redirect("billing:oxapay_account")
        try:
            services.gateway_account_save(
                business=business,
                gateway="oxapay",
                credentials={"merchant_api_key": form.cleaned_data["merchant_api_key"]},
                actor=request.user,
            )
        except ValidationFailed as error:
            form.add_error("merchant_api_key", str(error.message))
        else:
            messages.success(request, _("Your OxaPay account is connected."))
            return redirect("billing:oxapay_account")
    return render(
        request,
        "billing/oxapay_account.html",
        {
            "form": form,
            "connected": services.gateway_account_configured(business=business, gateway="oxapay"),
            "platform_available": bool(settings.OXAPAY_MERCHANT_API_KEY),
        },
        status=400 if form.errors else 200,
    )
