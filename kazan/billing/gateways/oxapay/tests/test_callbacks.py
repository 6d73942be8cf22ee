"""POST /hooks/oxapay/ and /hooks/oxapay/<hook_key>/ with the callbacks OxaPay documents,
signed like OxaPay signs them (header HMAC = hex HMAC-SHA512 of the raw body with the merchant
key): each status of an invoice is applied once, whatever the number of deliveries, and only
the account that made the invoice can speak of it."""

import json
import logging

import pytest

from kazan.billing import checkout_listeners, services
from kazan.billing.gateways.oxapay.testing import (
    MERCHANT_KEY,
    callback_body,
    callback_headers,
    callback_post,
)
from kazan.billing.gateways.oxapay.tests.conftest import BUSINESS_KEY, OTHER_KEY
from kazan.billing.models import GatewayAccount, GatewayCheckout, GatewayEvent
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance

pytestmark = pytest.mark.django_db

URL = "/hooks/oxapay/"


@pytest.fixture
def checkout(oxapay_settings, fake_oxapay, business, owner, packages):
    """A Business package bought through OxaPay with the platform's key: an open invoice."""
    return services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner, gateway_key="oxapay"
    ).payment


def _purchases(business) -> int:
    return SmsCreditEntry.objects.filter(business=business, kind=Kind.PURCHASE).count()


def _paid_body(fake_oxapay, reference, **changes) -> bytes:
    fake_oxapay.status_set(reference, "Paid")
    return fake_oxapay.callback_for(reference, **changes)


def test_a_paid_callback_credits_the_package_and_answers_ok(
    checkout, fake_oxapay, client, business
):
    invoice = fake_oxapay.invoices[checkout.gateway_reference]
    assert invoice["amount"] == checkout.amount_minor / 100
    assert invoice["callback_url"] == "https://kazan.example/hooks/oxapay/"

    response = callback_post(
        client, _paid_body(fake_oxapay, checkout.gateway_reference), MERCHANT_KEY
    )

    assert response.status_code == 200
    assert response.content == b"ok"
    checkout.refresh_from_db()
    assert checkout.status == "paid"
    assert sms_balance(business=business) == 1000
    event = GatewayEvent.objects.get()
    assert event.event_id == f"{checkout.gateway_reference}:paid"
    assert event.payment == checkout


def test_the_same_callback_delivered_three_times_credits_once(
    checkout, fake_oxapay, client, business
):
    body = _paid_body(fake_oxapay, checkout.gateway_reference)

    answers = [callback_post(client, body, MERCHANT_KEY) for _ in range(3)]

    assert [(a.status_code, a.content) for a in answers] == [(200, b"ok")] * 3
    assert _purchases(business) == 1
    assert sms_balance(business=business) == 1000
    assert GatewayEvent.objects.count() == 1


def test_paying_then_paid_applies_at_the_paid_one(checkout, fake_oxapay, client, business):
    reference = checkout.gateway_reference
    fake_oxapay.status_set(reference, "Paying")
    callback_post(client, fake_oxapay.callback_for(reference), MERCHANT_KEY)
    checkout.refresh_from_db()
    assert checkout.status == "pending"

    callback_post(client, _paid_body(fake_oxapay, reference), MERCHANT_KEY)

    checkout.refresh_from_db()
    assert checkout.status == "paid"
    assert sorted(GatewayEvent.objects.values_list("event_id", flat=True)) == [
        f"{reference}:paid",
        f"{reference}:paying",
    ]


def test_an_expired_invoice_cancels_the_payment(checkout, fake_oxapay, client, business):
    fake_oxapay.status_set(checkout.gateway_reference, "Expired")
    callback_post(client, fake_oxapay.callback_for(checkout.gateway_reference), MERCHANT_KEY)
    checkout.refresh_from_db()
    assert checkout.status == "cancelled"
    assert sms_balance(business=business) == 0


def test_a_signed_callback_for_another_amount_credits_nothing(
    checkout, fake_oxapay, client, business
):
    body = _paid_body(fake_oxapay, checkout.gateway_reference, amount=0.01)
    assert callback_post(client, body, MERCHANT_KEY).status_code == 200
    checkout.refresh_from_db()
    assert checkout.status == "pending"
    assert sms_balance(business=business) == 0


def test_bad_missing_and_tampered_signatures_are_403_and_change_nothing(
    checkout, fake_oxapay, client, business, caplog
):
    body = _paid_body(fake_oxapay, checkout.gateway_reference)
    tampered = body.replace(b'"Paid"', b'"paid" ')
    with caplog.at_level(logging.INFO):
        wrong_key = callback_post(client, body, OTHER_KEY)
        missing = client.post(URL, data=body, content_type="application/json")
        changed = client.post(
            URL,
            data=tampered,
            content_type="application/json",
            headers=callback_headers(body, MERCHANT_KEY),
        )
        empty = client.post(URL, data=body, content_type="application/json", HTTP_HMAC="")

    assert [r.status_code for r in (wrong_key, missing, changed, empty)] == [403] * 4
    assert not GatewayEvent.objects.exists()
    checkout.refresh_from_db()
    assert checkout.status == "pending"
    assert MERCHANT_KEY not in caplog.text and OTHER_KEY not in caplog.text


def test_without_a_platform_key_every_platform_callback_is_refused(
    checkout, fake_oxapay, client, settings
):
    body = _paid_body(fake_oxapay, checkout.gateway_reference)
    settings.OXAPAY_MERCHANT_API_KEY = ""
    # Signed with the empty key: must not pass as "no key configured = anything goes".
    assert callback_post(client, body, "").status_code == 403
    assert not GatewayEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b"{}",
        json.dumps({"track_id": "12 34", "status": "Paid"}).encode(),
        json.dumps({"track_id": "1234", "status": None}).encode(),
        json.dumps({"track_id": True, "status": "Paid"}).encode(),
    ],
)
def test_signed_junk_is_400(oxapay_settings, client, body):
    response = callback_post(client, body, MERCHANT_KEY)
    assert response.status_code == 400
    assert not GatewayEvent.objects.exists()


def test_an_oversized_body_is_refused_before_anything(oxapay_settings, client):
    body = callback_body(track_id="1", status="Paid", amount=1, note="x" * 70_000)
    assert callback_post(client, body, MERCHANT_KEY).status_code == 413


def test_only_post(oxapay_settings, client):
    assert client.get(URL).status_code == 405


def test_an_unknown_track_on_the_platform_url_is_ok_and_recorded(oxapay_settings, client):
    body = callback_body(track_id="555000", status="Paid", amount=5)
    response = callback_post(client, body, MERCHANT_KEY)
    assert (response.status_code, response.content) == (200, b"ok")
    assert GatewayEvent.objects.filter(event_id="555000:paid").exists()


def test_listeners_hear_progress_and_expiry_of_checkouts_that_are_not_payments(
    oxapay_settings, fake_oxapay, client, business, monkeypatch
):
    heard = []
    monkeypatch.setattr(
        checkout_listeners, "_listeners", [lambda event: heard.append(event) or "applied"]
    )
    from kazan.billing.gateways import CheckoutRequest, gateway_get

    reference = (
        gateway_get("oxapay")
        .checkout_start(
            CheckoutRequest(
                payment_id=1,
                business_id=business.pk,
                package_key="",
                description="Tokens",
                amount_minor=500,
                currency="USD",
                success_url="https://kazan.example/ok",
                cancel_url="https://kazan.example/no",
                idempotency_key="kazan-purchase-1",
            )
        )
        .reference
    )
    for status in ("Waiting", "Paying", "Paying", "Expired"):
        fake_oxapay.status_set(reference, status)
        callback_post(client, fake_oxapay.callback_for(reference), MERCHANT_KEY)

    assert [(e.event_type, e.outcome, e.amount_minor, e.currency) for e in heard] == [
        ("Waiting", None, 500, "USD"),
        ("Paying", None, 500, "USD"),
        ("Expired", "expired", 500, "USD"),
    ]
    assert {e.reference for e in heard} == {reference}


# --- a business's own merchant account ----------------------------------------------------------


@pytest.fixture
def account_a(business, owner):
    services.gateway_account_save(
        business=business,
        gateway="oxapay",
        credentials={"merchant_api_key": BUSINESS_KEY},
        actor=owner,
    )
    return GatewayAccount.objects.get(business=business)


@pytest.fixture
def account_b(other_business, owner):
    services.gateway_account_save(
        business=other_business,
        gateway="oxapay",
        credentials={"merchant_api_key": OTHER_KEY},
        actor=None,
    )
    return GatewayAccount.objects.get(business=other_business)


def _sale(business, reference_key="kazan-purchase-1"):
    """A business's own sale (a wallet top-up) through OxaPay: its reference."""
    from kazan.billing.gateways import CheckoutRequest, gateway_get

    return (
        gateway_get("oxapay")
        .checkout_start(
            CheckoutRequest(
                payment_id=1,
                business_id=business.pk,
                package_key="",
                description="Tokens",
                amount_minor=500,
                currency="USD",
                success_url="https://kazan.example/ok",
                cancel_url="https://kazan.example/no",
                idempotency_key=reference_key,
                metadata={"kind": "wallet", "purchase_id": "1"},
            )
        )
        .reference
    )


@pytest.fixture
def heard(monkeypatch):
    events = []
    monkeypatch.setattr(
        checkout_listeners, "_listeners", [lambda event: events.append(event) or "applied"]
    )
    return events


def test_a_business_account_callback_is_checked_with_its_key(
    oxapay_settings, fake_oxapay, client, business, account_a, heard
):
    reference = _sale(business)
    assert fake_oxapay.key_of(reference) == BUSINESS_KEY
    body = _paid_body(fake_oxapay, reference)

    # OxaPay signs with the key the invoice was made with: the platform's does not pass there.
    assert callback_post(client, body, MERCHANT_KEY, hook_key=account_a.hook_key).status_code == 403
    assert heard == []
    response = callback_post(client, body, BUSINESS_KEY, hook_key=account_a.hook_key)

    assert (response.status_code, response.content) == (200, b"ok")
    assert [(e.reference, e.outcome) for e in heard] == [(reference, "paid")]


def test_a_package_is_paid_to_the_platform_even_with_a_business_account(
    oxapay_settings, fake_oxapay, client, business, owner, packages, account_a
):
    """The business pays the platform's invoice: never into its own wallet."""
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner, gateway_key="oxapay"
    ).payment

    assert fake_oxapay.key_of(payment.gateway_reference) == MERCHANT_KEY
    assert fake_oxapay.invoices[payment.gateway_reference]["callback_url"] == (
        "https://kazan.example/hooks/oxapay/"
    )
    callback_post(client, _paid_body(fake_oxapay, payment.gateway_reference), MERCHANT_KEY)
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_a_package_payment_recorded_on_a_business_account_is_refused_there(
    oxapay_settings, fake_oxapay, client, business, owner, packages, account_a, caplog
):
    """A platform payment whose checkout was (by an older version) opened with the business's
    key: its callback through the business's URL is refused (logged, ok, nothing credited)."""
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner, gateway_key="oxapay"
    ).payment
    GatewayCheckout.objects.filter(reference=payment.gateway_reference).update(account=account_a)
    fake_oxapay.status_set(payment.gateway_reference, "Paid")
    body = fake_oxapay.callback_for(payment.gateway_reference)

    with caplog.at_level(logging.WARNING, logger="kazan.hooks.oxapay"):
        response = callback_post(client, body, BUSINESS_KEY, hook_key=account_a.hook_key)

    assert (response.status_code, response.content) == (200, b"ok")
    assert "platform payment on a business account" in caplog.text
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert not GatewayEvent.objects.exists()
    assert sms_balance(business=business) == 0


def test_a_non_ascii_signature_header_is_403(oxapay_settings, client):
    body = callback_body(track_id="1", status="Paid", amount=1)
    response = client.post(URL, body, content_type="application/json", headers={"HMAC": "ünïcødé"})
    assert response.status_code == 403


def test_an_unknown_hook_key_is_404(oxapay_settings, client):
    body = callback_body(track_id="1", status="Paid", amount=1)
    assert callback_post(client, body, MERCHANT_KEY, hook_key="nope").status_code == 404


def test_cross_tenant_callbacks_are_refused(
    oxapay_settings,
    fake_oxapay,
    client,
    business,
    other_business,
    account_a,
    account_b,
    heard,
):
    """B's invoice: A's URL with B's signature is 403; A's URL with A's own signature (A forging
    a callback about B's invoice) and the platform's URL change nothing."""
    reference = _sale(other_business)
    body = _paid_body(fake_oxapay, reference)

    with_b_signature = callback_post(client, body, OTHER_KEY, hook_key=account_a.hook_key)
    forged_by_a = callback_post(client, body, BUSINESS_KEY, hook_key=account_a.hook_key)
    on_platform = callback_post(client, body, MERCHANT_KEY)

    assert with_b_signature.status_code == 403
    assert (forged_by_a.status_code, on_platform.status_code) == (200, 200)
    assert heard == []
    assert not GatewayEvent.objects.exists()

    # B's own URL with B's signature is the one that counts.
    callback_post(client, body, OTHER_KEY, hook_key=account_b.hook_key)
    assert [(e.reference, e.outcome) for e in heard] == [(reference, "paid")]


def test_a_platform_invoice_cannot_be_settled_through_a_business_url(
    checkout, fake_oxapay, client, account_a
):
    body = _paid_body(fake_oxapay, checkout.gateway_reference)
    assert callback_post(client, body, BUSINESS_KEY, hook_key=account_a.hook_key).status_code == 200
    checkout.refresh_from_db()
    assert checkout.status == "pending"
