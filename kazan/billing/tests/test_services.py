"""Package upgrades with the manual gateway (the offline default): pending until platform staff
confirm, then the credits arrive once and the subscription switches package."""

import pytest

from kazan.activity.models import Activity
from kazan.billing import services
from kazan.billing.models import Payment, Subscription
from kazan.core.errors import Conflict, PermissionDenied, ValidationFailed
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance

pytestmark = pytest.mark.django_db


def test_subscription_for_creates_the_starter_subscription_once(business, packages):
    first = services.subscription_for(business)
    again = services.subscription_for(business)

    assert first.pk == again.pk
    assert first.package.key == "starter"
    assert (first.sms_allowance, first.price_minor, first.currency) == (200, 900, "EUR")
    assert Subscription.objects.filter(business=business).count() == 1
    assert Activity.objects.filter(business=business, action="subscription.created").count() == 1


def test_subscription_for_works_without_a_seeded_catalog(business):
    from kazan.billing.models import SmsPackage

    SmsPackage.objects.all().delete()
    assert services.subscription_for(business).package.key == "starter"


def test_manual_upgrade_creates_a_pending_payment_and_no_credits(business, owner, packages):
    started = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    )

    payment = started.payment
    assert started.redirect_url == ""
    assert (payment.status, payment.gateway) == ("pending", "manual")
    assert (payment.amount_minor, payment.currency, payment.sms_credits) == (2900, "EUR", 1000)
    assert payment.created_by == owner
    assert sms_balance(business=business) == 0
    assert services.subscription_for(business).package.key == "starter"
    assert Activity.objects.filter(business=business, action="payment.started").exists()


def test_asking_again_for_the_same_package_returns_the_pending_payment(business, owner, packages):
    first = services.package_upgrade_start(business=business, package=packages["pro"], actor=owner)
    second = services.package_upgrade_start(business=business, package=packages["pro"], actor=owner)

    assert first.payment.pk == second.payment.pk
    assert Payment.objects.filter(business=business).count() == 1


def test_an_inactive_package_cannot_be_bought(business, owner, packages):
    packages["pro"].active = False
    packages["pro"].save()
    with pytest.raises(ValidationFailed):
        services.package_upgrade_start(business=business, package=packages["pro"], actor=owner)


def test_staff_confirm_credits_once_and_switches_the_package(business, owner, staff_user, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment

    confirmed = services.payment_confirm(payment=payment, actor=staff_user)
    services.payment_confirm(payment=payment, actor=staff_user)  # a double click

    assert confirmed.status == "paid"
    assert confirmed.confirmed_by == staff_user
    assert confirmed.paid_at is not None
    assert sms_balance(business=business) == 1000
    purchases = SmsCreditEntry.objects.filter(business=business, kind=Kind.PURCHASE)
    assert [(e.amount, e.reference) for e in purchases] == [(1000, f"payment:{payment.pk}")]
    subscription = services.subscription_for(business)
    assert (subscription.package.key, subscription.sms_allowance, subscription.price_minor) == (
        "business",
        1000,
        2900,
    )
    paid = Activity.objects.get(business=business, action="payment.paid")
    assert paid.data == {
        "gateway": "manual",
        "package": "business",
        "amount_minor": 2900,
        "currency": "EUR",
        "sms_credits": 1000,
    }


def test_a_non_staff_user_cannot_confirm(business, owner, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment

    with pytest.raises(PermissionDenied):
        services.payment_confirm(payment=payment, actor=owner)
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert sms_balance(business=business) == 0


def test_a_cancelled_payment_cannot_be_confirmed(business, owner, staff_user, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment
    services.payment_cancel(business=business, payment=payment, actor=owner)

    with pytest.raises(Conflict):
        services.payment_confirm(payment=payment, actor=staff_user)
    assert sms_balance(business=business) == 0


def test_payment_mark_paid_is_idempotent(business, owner, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner
    ).payment

    results = [services.payment_mark_paid(payment=payment) for _ in range(3)]

    assert results == [True, False, False]
    assert sms_balance(business=business) == 5000


def test_activity_data_holds_no_personal_data(business, owner, staff_user, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner
    ).payment
    services.payment_confirm(payment=payment, actor=staff_user)

    for entry in Activity.objects.filter(business=business):
        text = str(entry.data)
        assert owner.email not in text and staff_user.email not in text
