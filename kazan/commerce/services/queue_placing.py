"""Placing token orders (seed 004 §8.1 / §8.2): the price quote, the order and its rerun.

A customer orders a package for one of their profiles and pays in tokens at once: the debit
(reference "order:<pk>") is in the order's own transaction, so a short balance writes nothing.
The order then waits in its business's queue (see queue). A completed order can be run again:
a new order linked by `rerun_of`, back in the queue, free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Order, OrderEvent, OrderItem, OrderStatus, Package, PaymentMethod
from kazan.commerce.queries.orders import commerce_settings_for
from kazan.commerce.queries.queue import queue_position
from kazan.commerce.services.orders import number_next
from kazan.commerce.services.queue import (
    actor_kind_of,
    queue_lock,
    queue_notify_on_commit,
    rank_last,
    status_event,
    token_order_locked,
)
from kazan.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer, CustomerProfile
    from kazan.tenancy.models import Business

S = OrderStatus
QUEUE_CURRENCY = "TOK"


@dataclass(frozen=True)
class TokenQuote:
    package_tokens: int
    addon_tokens: int
    total: int
    subscriber: bool


def _premium(business: Business, customer: Customer) -> bool:
    from kazan.wallet.queries import premium_is_active

    return premium_is_active(business=business, customer=customer)


def token_order_quote(
    *, business: Business, customer: Customer, package: Package, email_confirmation: bool
) -> TokenQuote:
    """What the order costs this customer now: the subscriber prices while premium is active
    (seed 004 §8.1), plus the email-confirmation add-on if chosen."""
    if package.business_id != business.pk or customer.business_id != business.pk:
        raise NotFound()
    subscriber = _premium(business, customer)
    package_tokens = package.subscriber_price_tokens if subscriber else package.price_tokens
    addon_tokens = 0
    if email_confirmation:
        settings = commerce_settings_for(business=business)
        addon_tokens = (
            settings.email_addon_subscriber_tokens if subscriber else settings.email_addon_tokens
        )
    return TokenQuote(
        package_tokens=package_tokens,
        addon_tokens=addon_tokens,
        total=package_tokens + addon_tokens,
        subscriber=subscriber,
    )


# --- placing ---------------------------------------------------------------------------------


def token_order_place(
    *,
    business: Business,
    customer: Customer,
    profile: CustomerProfile,
    package: Package,
    email_confirmation: bool,
    channel: str,
    actor: User | None = None,
    expected_total: int | None = None,
) -> Order:
    """Places the order, charges its tokens and queues it, all in one transaction: a short
    balance raises InsufficientTokens and leaves nothing behind. Premium customers pay the
    subscriber prices and wait in the priority lane. The customer is told its queue position.
    `expected_total`: the total the customer was quoted; when the price is no longer that,
    Conflict "quote_changed" and nothing is charged."""
    from kazan.wallet.services import tokens_debit

    if customer.business_id != business.pk or package.business_id != business.pk:
        raise NotFound()
    if profile.business_id != business.pk or profile.customer_id != customer.pk:
        raise ValidationFailed(
            _("Choose one of your own profiles."), code=CommerceErrorCode.PROFILE_MISMATCH
        )
    if not package.active:
        raise Conflict(
            _("This package is no longer offered."), code=CommerceErrorCode.PACKAGE_UNAVAILABLE
        )
    with transaction.atomic():
        queue_lock(business)
        quote = token_order_quote(
            business=business,
            customer=customer,
            package=package,
            email_confirmation=email_confirmation,
        )
        if expected_total is not None and quote.total != expected_total:
            raise Conflict(
                _("The price has changed since your quote."),
                code=CommerceErrorCode.QUOTE_CHANGED,
            )
        order = Order.objects.create(
            business=business,
            customer=customer,
            number=number_next(business=business, kind="order"),
            channel=channel,
            currency=QUEUE_CURRENCY,
            subtotal_minor=quote.total,
            total_minor=quote.total,
            payment_method=PaymentMethod.TOKENS,
            paid_at=timezone.now(),
            profile=profile,
            package=package,
            sites_count=package.sites,
            email_confirmation=email_confirmation,
            subscriber_price=quote.subscriber,
            priority=quote.subscriber,
            queue_rank=rank_last(business, quote.subscriber),
        )
        tokens_debit(
            business=business,
            customer=customer,
            amount=quote.total,
            kind="order",
            reference=f"order:{order.pk}",
            actor=actor,
        )
        _lines_write(order, package=package, quote=quote)
        status_event(order, "", S.PENDING, actor, "member" if actor else "customer")
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_placed",
            target=order,
            data={"tokens": quote.total, "priority": quote.subscriber, "package": package.pk},
            actor_kind=None if actor else "customer",
        )
        # At the end of its lane: nobody moves up, so only the new order's position is read.
        queue_notify_on_commit(
            business,
            {},
            [(order.pk, "placed")],
            positions=_position_of(business, order),
        )
        transaction.on_commit(lambda: event_count(business=business, kind=EventKind.ORDER_CREATED))
    return order


def _position_of(business: Business, order: Order) -> dict[int, int]:
    position = queue_position(business=business, order=order)
    return {order.pk: position} if position is not None else {}


def _lines_write(order: Order, *, package: Package, quote: TokenQuote) -> None:
    """The package and the add-on as the order's lines, at the tokens charged."""
    lines = [
        OrderItem(
            order=order,
            name=package.name,
            unit_price_minor=quote.package_tokens,
            quantity=1,
            total_minor=quote.package_tokens,
        )
    ]
    if order.email_confirmation:
        lines.append(
            OrderItem(
                order=order,
                name=_("Email confirmation"),
                unit_price_minor=quote.addon_tokens,
                quantity=1,
                total_minor=quote.addon_tokens,
            )
        )
    OrderItem.objects.bulk_create(lines)


# --- running again --------------------------------------------------------------------------


def token_order_rerun(
    *, business: Business, order: Order, actor: User | None, actor_kind: str | None = None
) -> Order:
    """Runs a completed order again: a new order (rerun_of the first) for the same profile and
    package, at the end of its lane, charged nothing. One open rerun at a time."""
    with transaction.atomic():
        queue_lock(business)
        original = token_order_locked(business, order)
        if original.status != S.COMPLETED:
            raise Conflict(
                _("Only a completed order can be run again."),
                code=CommerceErrorCode.RERUN_REFUSED,
            )
        if (
            Order.objects.filter(business=business, rerun_of=original)
            .exclude(status__in=(S.COMPLETED, S.CANCELLED))
            .exists()
        ):
            raise Conflict(
                _("This order is already being run again."), code=CommerceErrorCode.RERUN_REFUSED
            )
        priority = original.priority or (
            original.customer is not None and _premium(business, original.customer)
        )
        rerun = Order.objects.create(
            business=business,
            customer=original.customer,
            number=number_next(business=business, kind="order"),
            channel=original.channel,
            currency=QUEUE_CURRENCY,
            subtotal_minor=original.total_minor,
            discount_minor=original.total_minor,
            total_minor=0,
            payment_method=PaymentMethod.TOKENS,
            paid_at=timezone.now(),
            profile=original.profile,
            package=original.package,
            sites_count=original.sites_count,
            email_confirmation=original.email_confirmation,
            subscriber_price=original.subscriber_price,
            priority=priority,
            queue_rank=rank_last(business, priority),
            rerun_of=original,
        )
        OrderItem.objects.bulk_create(
            [
                OrderItem(
                    order=rerun,
                    name=item.name,
                    unit_price_minor=item.unit_price_minor,
                    quantity=item.quantity,
                    discount_minor=item.total_minor,
                    total_minor=0,
                )
                for item in OrderItem.objects.filter(order=original)
            ]
        )
        kind = actor_kind_of(actor, actor_kind)
        status_event(
            rerun,
            "",
            S.PENDING,
            actor,
            kind,
            note=_("Rerun of order %(number)s") % {"number": original.number},
        )
        OrderEvent.objects.create(
            order=original,
            kind=OrderEvent.Kind.NOTE,
            note=_("Run again as order %(number)s") % {"number": rerun.number},
            actor=actor,
            actor_kind=kind,
        )
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_rerun",
            target=rerun,
            data={"rerun_of": original.pk},
            actor_kind=actor_kind,
        )
        queue_notify_on_commit(
            business, {}, [(rerun.pk, "rerun")], positions=_position_of(business, rerun)
        )
    return rerun
