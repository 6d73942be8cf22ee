"""The dashboard's Razorpay Checkout page and the signed callback Checkout posts back."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from kazan.billing import services
from kazan.billing.models import PlanSubscription
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.messaging.queries import sms_balance
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
CALLBACK = "/dashboard/billing/razorpay/callback/"


@pytest.fixture
def order(razorpay_settings, business, owner, packages):
    return services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment


def _page(payment) -> str:
    return reverse("billing:razorpay_checkout", kwargs={"payment_id": payment.pk})


def test_the_upgrade_redirects_to_our_checkout_page(razorpay_settings, owner_client, packages):
    response = owner_client.post(reverse("billing:upgrade"), {"package": packages["business"].pk})
    assert response.status_code == 302
    assert response["Location"].startswith("https://kazan.example/dashboard/billing/razorpay/")


def test_the_page_opens_checkout_for_the_order(order, owner_client, fake_razorpay):
    response = owner_client.get(_page(order))

    assert response.status_code == 200
    html = response.content.decode()
    options = json.loads(
        html.split('id="razorpay-options" type="application/json">')[1].split("</script>")[0]
    )
    assert options["order_id"] == order.gateway_reference
    assert (options["amount"], options["currency"]) == (order.amount_minor, "EUR")
    assert options["key"] == "rzp_test_fake0123456789"
    assert options["callback_url"] == f"https://kazan.example{CALLBACK}"
    assert options["redirect"] is True
    assert f'src="{fake_razorpay.url}/v1/checkout.js"' in html
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert fake_razorpay.url in script_src and fake_razorpay.url in csp.split("frame-src")[1]


def test_the_checkout_origin_is_allowed_on_this_page_only(order, owner_client, fake_razorpay):
    overview = owner_client.get(reverse("billing:overview"))
    assert fake_razorpay.url not in overview["Content-Security-Policy"]


def test_another_tenants_payment_or_another_gateway_is_404(
    order, other_business, razorpay_settings, packages, business
):
    stranger = MembershipFactory(business=other_business, role=Role.OWNER).user
    client = Client()
    client.force_login(stranger)
    assert client.get(_page(order)).status_code == 404
    razorpay_settings.PAYMENT_GATEWAY = "manual"
    manual = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=None
    ).payment
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    client.force_login(owner)
    assert client.get(_page(manual)).status_code == 404


def test_a_member_without_billing_rights_is_refused(order, business):
    member = MembershipFactory(business=business, role=Role.AGENT).user
    client = Client()
    client.force_login(member)
    assert client.get(_page(order)).status_code == 403


def test_the_signed_callback_reconciles_and_shows_the_payment(order, fake_razorpay, business):
    fake_razorpay.order_pay(order.gateway_reference)
    fields = fake_razorpay.checkout_callback(order.gateway_reference)
    # Razorpay posts cross-site: no session, no CSRF token.
    client = Client(enforce_csrf_checks=True)

    response = client.post(CALLBACK, fields)

    assert response.status_code == 303
    detail = reverse("billing:payment_detail", kwargs={"payment_id": order.pk})
    assert response["Location"] == f"{detail}?checkout=success"
    order.refresh_from_db()
    assert order.status == "paid"
    assert sms_balance(business=business) == 1000


def test_a_paid_order_page_goes_to_the_payment(order, fake_razorpay, owner_client):
    fake_razorpay.order_pay(order.gateway_reference)
    Client().post(CALLBACK, fake_razorpay.checkout_callback(order.gateway_reference))
    response = owner_client.get(_page(order))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "billing:payment_detail", kwargs={"payment_id": order.pk}
    )


@pytest.mark.parametrize(
    "change",
    [
        {"razorpay_signature": "0" * 64},
        {"razorpay_signature": ""},
        {"razorpay_order_id": "order_someone_else"},
        {"razorpay_signature": "ü" * 64},
    ],
)
def test_a_bad_signature_is_a_clear_400_page(order, fake_razorpay, client, change):
    fake_razorpay.order_pay(order.gateway_reference)
    fields = {**fake_razorpay.checkout_callback(order.gateway_reference), **change}

    response = client.post(CALLBACK, fields, HTTP_ACCEPT="text/html")

    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending"


def test_a_valid_signature_for_an_unknown_order_is_404(razorpay_settings, fake_razorpay, client):
    fields = fake_razorpay.checkout_callback("order_unknown000")
    assert client.post(CALLBACK, fields).status_code == 404


def test_checkouts_failure_report_changes_nothing(order, client):
    response = client.post(
        CALLBACK,
        {"error[code]": "BAD_REQUEST_ERROR", "error[description]": "Payment failed"},
    )
    assert response.status_code == 200
    assert "not completed" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending"


def test_a_subscription_callback_goes_to_the_billing_page(
    razorpay_settings, fake_razorpay, business, client
):
    plan_subscription_for(business)
    PlanSubscription.objects.filter(business=business).update(
        gateway="razorpay", gateway_subscription_id="sub_known0000001"
    )
    good = fake_razorpay.subscription_callback("sub_known0000001")
    bad = {**good, "razorpay_subscription_id": "sub_other"}

    ok = client.post(CALLBACK, good)

    assert ok.status_code == 303 and ok["Location"] == reverse("billing:overview")
    assert client.post(CALLBACK, bad).status_code == 400


def test_a_callback_without_a_razorpay_account_is_not_found(settings, db):
    settings.RAZORPAY_KEY_SECRET = ""
    forged = {
        "razorpay_payment_id": "pay_x",
        "razorpay_order_id": "order_x",
        "razorpay_signature": "0" * 64,
    }

    assert Client().post(CALLBACK, forged).status_code == 404
