"""A top-up through OxaPay (the local fake speaking its wire format): the invoice is opened for
tokens × price, "Paying" shows as confirming, the signed "Paid" callback credits the wallet and
confirms to the customer, and 20 concurrent deliveries on PostgreSQL credit exactly once."""

import pytest

from kazan.billing.gateways.oxapay.testing import MERCHANT_KEY, callback_post
from kazan.billing.gateways.oxapay.tests.test_concurrency import deliver_concurrently
from kazan.core.errors import Conflict, ValidationFailed
from kazan.messaging.models import OutboundMessage
from kazan.wallet import queries, services
from kazan.wallet.models import TokenEntry, TokenPurchase
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db


def _start(business, tokens=500):
    customer = wallet_customer(business)
    return customer, services.purchase_start(business=business, customer=customer, tokens=tokens)


def test_an_oxapay_top_up_goes_from_waiting_to_credited(
    client, business, oxapay_settings, fake_oxapay, django_capture_on_commit_callbacks
):
    customer, purchase = _start(business)
    sent = fake_oxapay.creates()[-1].json
    assert (sent["amount"], sent["currency"], sent["lifetime"]) == (50, "USD", 60)
    assert purchase.pay_url and purchase.gateway == "oxapay"

    fake_oxapay.status_set(purchase.reference, "Paying")
    answer = callback_post(client, fake_oxapay.callback_for(purchase.reference), MERCHANT_KEY)
    assert answer.content == b"ok"
    purchase.refresh_from_db()
    assert (purchase.status, purchase.gateway_status) == ("confirming", "Paying")

    fake_oxapay.status_set(purchase.reference, "Paid")
    body = fake_oxapay.callback_for(purchase.reference)
    with django_capture_on_commit_callbacks(execute=True):
        assert callback_post(client, body, MERCHANT_KEY).content == b"ok"
    assert callback_post(client, body, MERCHANT_KEY).content == b"ok"  # a replay
    purchase.refresh_from_db()
    assert (purchase.status, purchase.gateway_status) == ("paid", "Paid")
    assert queries.token_balance(business=business, customer=customer) == 500
    assert TokenEntry.objects.filter(kind="purchase").count() == 1
    assert "500 tokens" in OutboundMessage.objects.get(customer=customer).body


def test_an_expired_invoice_closes_and_a_tampered_amount_never_credits(
    client, business, oxapay_settings, fake_oxapay
):
    _customer, expired = _start(business)
    fake_oxapay.status_set(expired.reference, "Expired")
    callback_post(client, fake_oxapay.callback_for(expired.reference), MERCHANT_KEY)
    assert TokenPurchase.objects.get(pk=expired.pk).status == "expired"

    _other, short = _start(business)
    fake_oxapay.status_set(short.reference, "Paid")
    body = fake_oxapay.callback_for(short.reference, amount=1)
    assert callback_post(client, body, MERCHANT_KEY).content == b"ok"
    short.refresh_from_db()
    assert short.status == "pending" and short.paid_amount_minor == 100
    assert not TokenEntry.objects.filter(kind="purchase").exists()


def test_the_poll_reads_oxapay_when_the_callback_is_lost(business, oxapay_settings, fake_oxapay):
    import datetime as dt

    customer, purchase = _start(business)
    fake_oxapay.status_set(purchase.reference, "Paid")
    assert services.unscoped_purchases_poll(min_age=dt.timedelta(0)) == 1
    assert queries.token_balance(business=business, customer=customer) == 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_paid_callbacks_credit_the_wallet_once(
    business, oxapay_settings, fake_oxapay
):
    customer, purchase = _start(business)
    fake_oxapay.status_set(purchase.reference, "Paid")
    answers = deliver_concurrently(fake_oxapay.callback_for(purchase.reference), MERCHANT_KEY)
    assert answers == [(200, b"ok")] * 20
    assert queries.token_balance(business=business, customer=customer) == 500
    assert TokenEntry.objects.filter(kind="purchase").count() == 1


# --- review fixes -------------------------------------------------------------------------------


def test_the_business_s_invoice_lifetime_reaches_oxapay(business, oxapay_settings, fake_oxapay):
    wallet = services.wallet_settings_get(business=business)
    wallet.invoice_lifetime_minutes = 25
    wallet.save()
    _start(business)
    assert fake_oxapay.creates()[-1].json["lifetime"] == 25


def _overdue(purchase):
    import datetime as dt

    from django.utils import timezone

    TokenPurchase.objects.filter(pk=purchase.pk).update(
        expires_at=timezone.now() - dt.timedelta(hours=2)
    )
    purchase.refresh_from_db()


def test_a_transient_gateway_error_leaves_an_overdue_purchase_open(
    business, oxapay_settings, fake_oxapay
):
    _customer, purchase = _start(business)
    _overdue(purchase)
    fake_oxapay.fail_next(status=503)
    assert services.purchase_recheck(business=business, purchase=purchase) == "unreachable"
    assert TokenPurchase.objects.get(pk=purchase.pk).status == "pending"


def test_a_permanent_gateway_error_lets_an_overdue_purchase_expire(
    business, oxapay_settings, fake_oxapay
):
    _customer, purchase = _start(business)
    _overdue(purchase)
    fake_oxapay.fail_next(status=404, key="not_found")
    assert services.purchase_recheck(business=business, purchase=purchase) == "applied"
    assert TokenPurchase.objects.get(pk=purchase.pk).status == "expired"


def test_a_mismatched_payment_is_not_polled_again_but_stays_on_reconciliation(
    client, business, oxapay_settings, fake_oxapay
):
    import datetime as dt

    from django.utils import timezone

    _customer, short = _start(business)
    fake_oxapay.status_set(short.reference, "Paid")
    callback_post(client, fake_oxapay.callback_for(short.reference, amount=1), MERCHANT_KEY)
    short.refresh_from_db()
    assert short.paid_amount_minor == 100 and short.closed_at is not None

    assert queries.unscoped_purchases_unfinished(older_than=timezone.now() + dt.timedelta(1)) == []
    rows = queries.purchases_to_reconcile(business=business, stale_before=timezone.now())
    assert [(row.purchase.pk, row.problem) for row in rows] == [(short.pk, "mismatch")]


def test_a_late_paying_callback_does_not_overwrite_a_final_status(
    client, business, oxapay_settings, fake_oxapay
):
    _customer, purchase = _start(business)
    fake_oxapay.status_set(purchase.reference, "Paid")
    callback_post(client, fake_oxapay.callback_for(purchase.reference), MERCHANT_KEY)
    fake_oxapay.status_set(purchase.reference, "Paying")
    callback_post(client, fake_oxapay.callback_for(purchase.reference), MERCHANT_KEY)
    purchase.refresh_from_db()
    assert (purchase.status, purchase.gateway_status) == ("paid", "Paid")


def test_a_gateway_without_a_payment_page_is_a_clear_conflict(business):
    wallet = services.wallet_settings_get(business=business)
    wallet.gateway = "manual"
    wallet.save()
    with pytest.raises(Conflict, match="no online payment page"):
        _start(business)
    assert not TokenPurchase.objects.exists()


def test_a_checkout_without_a_redirect_url_fails_the_purchase(
    business, oxapay_settings, fake_oxapay, monkeypatch
):
    from kazan.billing.gateways import CheckoutResult
    from kazan.billing.gateways.oxapay.gateway import OxaPayGateway

    monkeypatch.setattr(
        OxaPayGateway, "checkout_start", lambda self, request: CheckoutResult("77", "")
    )
    with pytest.raises(Conflict, match="no online payment page"):
        _start(business)
    assert TokenPurchase.objects.get().status == "failed"


def test_an_amount_beyond_the_column_is_refused(business, oxapay_settings, fake_oxapay):
    wallet = services.wallet_settings_get(business=business)
    wallet.token_price_minor, wallet.topup_max = 100_000_000, 1000
    wallet.save()
    with pytest.raises(ValidationFailed):
        _start(business, tokens=wallet.topup_max)
    assert not TokenPurchase.objects.exists()
