"""A known Telegram CRM data set for the panel's tests: what each figure must come to is
written next to the rows that make it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from kazan.commerce.models import Order, Package
from kazan.commerce.services.packages import packages_ensure_defaults
from kazan.customers.models import Customer, CustomerProfile
from kazan.customers.tests.factories import CustomerFactory
from kazan.wallet.models import PremiumPeriod, TokenEntryKind, TokenPurchase
from kazan.wallet.services import tokens_credit
from kazan.wallet.testing import wallet_customer


def token_order(
    business: Any,
    customer: Customer,
    package: Package,
    *,
    status: str,
    tokens: int | None = None,
    age: dt.timedelta = dt.timedelta(hours=1),
    done_after: dt.timedelta = dt.timedelta(minutes=30),
) -> Order:
    """A token order placed `age` ago, in `status` (a completed one `done_after` later)."""
    placed = timezone.now() - age
    total = package.price_tokens if tokens is None else tokens
    number = Order.objects.filter(business=business).count() + 1
    order = Order.objects.create(
        business=business,
        customer=customer,
        number=number,
        channel="telegram",
        status=status,
        currency="TOK",
        subtotal_minor=total,
        total_minor=total,
        payment_method="tokens",
        package=package,
        sites_count=package.sites,
        queue_rank=number if status in ("pending", "processing") else None,
        completed_at=placed + done_after if status == "completed" else None,
        assigned_at=placed + done_after / 2 if status in ("assigned", "completed") else None,
        cancelled_at=placed + done_after if status == "cancelled" else None,
    )
    Order.objects.filter(pk=order.pk).update(created_at=placed)
    order.refresh_from_db()
    return order


def profile(business: Any, customer: Customer, first: str, last: str, **fields: Any):
    return CustomerProfile.objects.create(
        business=business, customer=customer, first_name=first, last_name=last, **fields
    )


def purchase(business: Any, customer: Customer, *, status: str, amount: int, **fields: Any):
    return TokenPurchase.objects.create(
        business=business,
        customer=customer,
        tokens=fields.pop("tokens", amount // 10),
        amount_minor=amount,
        currency="USD",
        gateway="oxapay",
        status=status,
        paid_at=timezone.now() if status == "paid" else None,
        **fields,
    )


@dataclass
class World:
    alice: Customer  # 2 profiles, premium, 600 tokens, 3 completed orders (100, 250, 1000)
    bob: Customer  # 1 profile, a pending (100) and a cancelled (550) order, suspended
    carol: Customer  # no profile, an assigned order (650)
    walk_in: Customer  # a customer who never used Telegram: not a user
    packages: dict[str, Package]
    orders: list[Order]


def crm_world(business: Any) -> World:
    """Users 3, profiles 3, subscribers 1; orders 6 (5 in the last 30 days: pending 1,
    assigned 1, completed 2, cancelled 1); revenue 1,350 tokens all time, 350 in the period
    (average 175, completion 40 %); money paid 15.00 USD (a paid 10.00 and a paid 5.00; a
    pending 3.00 is not money yet); the queue holds 1 order."""
    packages_ensure_defaults(business=business)
    packages = {package.sites: package for package in Package.objects.filter(business=business)}
    alice = wallet_customer(business, tokens=500, channel="telegram", handle="1001")
    bob = wallet_customer(business, channel="telegram", handle="1002")
    carol = wallet_customer(business, tokens=40, channel="telegram", handle="1003")
    Customer.objects.filter(pk=alice.pk).update(name="Alice Adams")
    Customer.objects.filter(pk=bob.pk).update(name="Bob Brown", blocked_at=timezone.now())
    Customer.objects.filter(pk=carol.pk).update(name="Carol Clark")
    walk_in = CustomerFactory(business=business, name="Walk In")
    profile(business, alice, "Alice", "Adams", telegram_username="alice_a")
    profile(business, alice, "Anna", "Adams")
    profile(business, bob, "Bob", "Brown")
    now = timezone.now()
    PremiumPeriod.objects.create(
        business=business,
        customer=alice,
        starts_at=now - dt.timedelta(days=2),
        expires_at=now + dt.timedelta(days=28),
        source=PremiumPeriod.Source.ADMIN,
    )
    orders = [
        token_order(business, alice, packages[100], status="completed"),
        token_order(business, alice, packages[250], status="completed"),
        token_order(business, bob, packages[100], status="pending", age=dt.timedelta(hours=30)),
        token_order(business, bob, packages[550], status="cancelled"),
        token_order(business, carol, packages[650], status="assigned"),
        token_order(business, alice, packages[1000], status="completed", age=dt.timedelta(days=60)),
    ]
    # Reconciled: the tokens purchase was credited, the premium one gave its period.
    bought = purchase(business, alice, status="paid", amount=1000)
    tokens_credit(
        business=business,
        customer=alice,
        amount=bought.tokens,
        kind=TokenEntryKind.PURCHASE,
        reference=f"purchase:{bought.pk}",
    )
    premium = purchase(business, bob, status="paid", amount=500, purpose="premium", tokens=0)
    PremiumPeriod.objects.create(
        business=business,
        customer=bob,
        starts_at=now - dt.timedelta(days=40),
        expires_at=now - dt.timedelta(days=10),
        source=PremiumPeriod.Source.GATEWAY,
        purchase=premium,
    )
    purchase(business, carol, status="pending", amount=300)
    for who in (alice, bob, carol):
        who.refresh_from_db()
    return World(alice, bob, carol, walk_in, packages, orders)
