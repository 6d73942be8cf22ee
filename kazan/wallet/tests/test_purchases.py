"""Buying tokens and premium through a gateway (here Stripe's real SDK against the local fake
Stripe): the checkout carries the wallet's metadata, the signed webhook credits exactly once,
a wrong amount is never credited but flagged, the fallback poll finishes what a lost webhook
left open and closes expired ones, and 20 concurrent deliveries on PostgreSQL credit once."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.billing.services import GatewayEventData, gateway_event_apply
from kazan.core.errors import Conflict, ValidationFailed
from kazan.core.testing import run_in_threads_numbered
from kazan.messaging.models import OutboundMessage
from kazan.wallet import queries, services
from kazan.wallet.models import PremiumPeriod, TokenEntry, TokenPurchase
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(business, stripe_settings):
    wallet = services.wallet_settings_get(business=business)
    wallet.gateway, wallet.token_price_minor, wallet.currency = "stripe", 10, "USD"
    wallet.save()
    return business


def _paid_event(fake_stripe, purchase, **changes):
    fake_stripe.complete(purchase.reference)
    event = fake_stripe.event_for(purchase.reference, "checkout.session.completed")
    event["data"]["object"].update(changes)
    return event


def test_a_predefined_amount_opens_a_checkout_with_the_wallet_metadata(shop, fake_stripe):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=250)
    sent = fake_stripe.creates()[-1].params
    assert sent["line_items"][0]["price_data"]["unit_amount"] == "2500"
    assert sent["line_items"][0]["price_data"]["currency"] == "usd"
    assert sent["metadata"]["kind"] == "wallet"
    assert sent["metadata"]["purchase_id"] == str(purchase.pk)
    assert purchase.pay_url == fake_stripe.sessions[purchase.reference]["url"]
    assert (purchase.status, purchase.amount_minor, purchase.tokens) == ("pending", 2500, 250)


@pytest.mark.parametrize("tokens", [None, 49, 100_001, -5])
def test_a_custom_amount_must_be_within_the_limits(shop, tokens):
    customer = wallet_customer(shop)
    with pytest.raises(ValidationFailed):
        services.purchase_start(business=shop, customer=customer, tokens=tokens)
    assert not TokenPurchase.objects.exists()


def test_a_custom_amount_in_range_and_premium_prices(shop, fake_stripe):
    customer = wallet_customer(shop)
    custom = services.purchase_start(business=shop, customer=customer, tokens=73)
    premium = services.purchase_start(business=shop, customer=customer, purpose="premium")
    assert custom.amount_minor == 730
    assert (premium.amount_minor, premium.tokens, premium.purpose) == (4900, 0, "premium")


def test_an_unknown_gateway_is_a_clear_conflict(business):
    customer = wallet_customer(business)
    wallet = services.wallet_settings_get(business=business)
    wallet.gateway = "nowhere"
    wallet.save()
    with pytest.raises(Conflict):
        services.purchase_start(business=business, customer=customer, tokens=100)


def test_a_gateway_failure_closes_the_purchase_with_a_message(shop, fake_stripe):
    customer = wallet_customer(shop)
    fake_stripe.fail_next(status=500, times=5)
    with pytest.raises(Conflict):
        services.purchase_start(business=shop, customer=customer, tokens=100)
    assert TokenPurchase.objects.get().status == "failed"


def test_the_webhook_credits_once_and_confirms_the_payment(
    shop, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    event = _paid_event(fake_stripe, purchase)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(event).json()["status"] == "applied"
    purchase.refresh_from_db()
    assert purchase.status == "paid" and purchase.paid_amount_minor == 1000
    assert purchase.gateway_status == "checkout.session.completed"
    assert queries.token_balance(business=shop, customer=customer) == 100
    entry = TokenEntry.objects.get(reference=f"purchase:{purchase.pk}")
    assert entry.kind == "purchase" and entry.amount == 100
    confirmation = OutboundMessage.objects.get(customer=customer)
    assert "Payment received" in confirmation.body and "100 tokens" in confirmation.body
    # A replay is a duplicate; another event saying paid changes nothing either.
    assert deliver(event).json()["status"] == "duplicate"
    again = fake_stripe.event_for(purchase.reference, "checkout.session.async_payment_succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(again).json()["status"] == "unchanged"
    assert queries.token_balance(business=shop, customer=customer) == 100
    assert OutboundMessage.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize("changes", [{"amount_total": 100}, {"currency": "eur"}])
def test_a_wrong_amount_is_not_credited_but_flagged(shop, fake_stripe, deliver, changes):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    assert deliver(_paid_event(fake_stripe, purchase, **changes)).json()["status"] == "mismatch"
    purchase.refresh_from_db()
    assert purchase.status == "pending" and purchase.paid_amount_minor is not None
    assert queries.token_balance(business=shop, customer=customer) == 0
    rows = queries.purchases_to_reconcile(business=shop, stale_before=timezone.now())
    assert [(row.purchase.pk, row.problem) for row in rows] == [(purchase.pk, "mismatch")]


def test_an_expired_checkout_closes_the_purchase(shop, fake_stripe, deliver):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    fake_stripe.expire(purchase.reference)
    event = fake_stripe.event_for(purchase.reference, "checkout.session.expired")
    assert deliver(event).json()["status"] == "applied"
    purchase.refresh_from_db()
    assert purchase.status == "cancelled" and purchase.closed_at is not None


def test_the_fallback_poll_credits_what_a_lost_webhook_left_open(
    shop, fake_stripe, django_capture_on_commit_callbacks
):
    customer = wallet_customer(shop)
    paid = services.purchase_start(business=shop, customer=customer, tokens=100)
    gone = services.purchase_start(business=shop, customer=customer, tokens=50)
    still_open = services.purchase_start(business=shop, customer=customer, tokens=60)
    fake_stripe.complete(paid.reference)
    fake_stripe.expire(gone.reference)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unscoped_purchases_poll(min_age=dt.timedelta(0)) == 2
    statuses = dict(TokenPurchase.objects.values_list("pk", "status"))
    assert statuses == {paid.pk: "paid", gone.pk: "cancelled", still_open.pk: "pending"}
    assert queries.token_balance(business=shop, customer=customer) == 100
    # Polled again: nothing changes, nothing is credited twice.
    assert services.unscoped_purchases_poll(min_age=dt.timedelta(0)) == 0
    assert queries.token_balance(business=shop, customer=customer) == 100
    # Long past its expiry and still open at the gateway: closed as expired.
    TokenPurchase.objects.filter(pk=still_open.pk).update(
        expires_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert services.unscoped_purchases_poll(min_age=dt.timedelta(0)) == 1
    assert TokenPurchase.objects.get(pk=still_open.pk).status == "expired"


def test_the_poll_leaves_recently_polled_purchases_alone(shop, fake_stripe):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    fake_stripe.complete(purchase.reference)
    TokenPurchase.objects.filter(pk=purchase.pk).update(last_polled_at=timezone.now())
    assert services.unscoped_purchases_poll() == 0
    assert TokenPurchase.objects.get().status == "pending"


def test_premium_paid_online_adds_a_period_once(shop, fake_stripe, deliver):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, purpose="premium")
    assert deliver(_paid_event(fake_stripe, purchase)).json()["status"] == "applied"
    period = PremiumPeriod.objects.get()
    assert period.purchase_id == purchase.pk and period.source == "gateway"
    assert (period.expires_at - period.starts_at).days == 30
    assert queries.premium_is_active(business=shop, customer=customer)
    assert services.purchase_recheck(business=shop, purchase=purchase) == "unchanged"
    assert PremiumPeriod.objects.count() == 1


def test_an_event_of_another_gateway_reference_is_not_the_wallets(shop):
    event = GatewayEventData(
        gateway="stripe", event_id="evt_x", event_type="x", reference="cs_unknown", outcome="paid"
    )
    assert services.purchase_checkout_event(event) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_credit_once(shop, fake_stripe):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    threads = 20

    def apply(n: int) -> str:
        # Half deliver the same event again, half a different event saying paid.
        return gateway_event_apply(
            event=GatewayEventData(
                gateway="stripe",
                event_id="evt_same" if n % 2 else f"evt_{n}",
                event_type="checkout.session.completed",
                reference=purchase.reference,
                outcome="paid",
                amount_minor=1000,
                currency="USD",
            )
        )

    results = run_in_threads_numbered(threads, apply)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(results) == threads and results.count("applied") == 1
    assert queries.token_balance(business=shop, customer=customer) == 100
    assert TokenEntry.objects.filter(kind="purchase").count() == 1
