"""Messaging reads, always scoped to one business."""

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Count,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from kazan.messaging.models import (
    Kind,
    OutboundMessage,
    SmsCreditAccount,
    SmsCreditEntry,
    Status,
)
from kazan.messaging.phones import to_index

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


class SmsUsage(TypedDict):
    sent: int
    delivered: int
    failed: int
    pending: int
    credits_used: int


def sms_balance(*, business: "Business") -> int:
    balance = (
        SmsCreditAccount.objects.filter(business=business).values_list("balance", flat=True).first()
    )
    return balance or 0


def sms_usage(*, business: "Business", since: datetime | None = None) -> SmsUsage:
    """Counts for the dashboard: messages sent (handed to the provider: sent or delivered),
    delivered, failed and waiting, and the credits used (sends minus refunds)."""
    messages = OutboundMessage.objects.filter(business=business)
    entries = SmsCreditEntry.objects.filter(business=business, kind__in=[Kind.SEND, Kind.REFUND])
    if since is not None:
        messages = messages.filter(created_at__gte=since)
        entries = entries.filter(created_at__gte=since)
    counts = messages.aggregate(
        sent=Count("id", filter=Q(status__in=[Status.SENT, Status.DELIVERED])),
        delivered=Count("id", filter=Q(status=Status.DELIVERED)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
        pending=Count("id", filter=Q(status__in=[Status.QUEUED, Status.SENDING])),
    )
    net: int = entries.aggregate(total=Sum("amount"))["total"] or 0
    return SmsUsage(
        sent=counts["sent"],
        delivered=counts["delivered"],
        failed=counts["failed"],
        pending=counts["pending"],
        credits_used=-net,
    )


def ledger_entries(*, business: "Business") -> QuerySet[SmsCreditEntry]:
    return SmsCreditEntry.objects.filter(business=business).select_related("actor")


def message_list(*, business: "Business", status: str | None = None) -> QuerySet[OutboundMessage]:
    messages = OutboundMessage.objects.filter(business=business)
    if status:
        messages = messages.filter(status=status)
    return messages


def messages_for_customer(
    *, business: "Business", customer: "Customer"
) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(business=business, customer=customer)


def sms_balances(*, business_ids: list[int]) -> dict[int, int]:
    """Platform console: the credit balance of many businesses in one query."""
    return dict(
        SmsCreditAccount.objects.filter(business_id__in=business_ids).values_list(
            "business_id", "balance"
        )
    )


def unscoped_sms_last_sender_business(*, phone: str) -> "Business | None":
    """Inbound routing on the platform's shared SMS number: the business that last sent an SMS
    to `phone` through it (the only reader across businesses: the webhook knows no business)."""
    message = (
        OutboundMessage.objects.filter(
            to_index=to_index(phone), channel="sms", installation__isnull=True
        )
        .select_related("business")
        .order_by("-created_at", "-id")
        .first()
    )
    return message.business if message is not None else None


# --- for customers ---

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


def customer_sms_received(business: "Business", customer: "Customer") -> int:
    """How many SMS the customer was sent (handed to the provider or delivered): a row of the
    customer's profile (customers.panels.CustomerFact)."""
    return (
        OutboundMessage.objects.filter(business=business, customer=customer)
        .filter(status__in=[Status.SENT, Status.DELIVERED])
        .count()
    )


# --- for console ---


def unscoped_sms_balance_subquery(*, business_ref: str = "pk") -> Coalesce:
    """The outer business's SMS credits left (0 without an account): one correlated subquery
    for the console's platform-wide businesses report."""
    balance = SmsCreditAccount.objects.filter(business=OuterRef(business_ref)).values("balance")
    return Coalesce(Subquery(balance[:1], output_field=IntegerField()), Value(0))


# --- for campaigns ---


def unscoped_business_ids_messaged(*, phone: str) -> list[int]:
    """The businesses that ever messaged this E.164 number (a STOP reply opts out of all)."""
    from kazan.messaging.phones import to_index

    return list(
        OutboundMessage.objects.filter(to_index=to_index(phone))
        .values_list("business_id", flat=True)
        .distinct()
    )


def last_message_at_subquery(*, business: "Business", customer_ref: str = "pk") -> Subquery:
    """Expression: when the business last wrote a message to the outer customer (NULL: never)."""
    last = (
        OutboundMessage.objects.filter(business=business, customer=OuterRef(customer_ref))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Subquery(last)


class OutboxHealth(TypedDict):
    failed: int  # failed since `since`
    waiting: int  # queued or being sent now
    oldest_waiting_at: datetime | None


def outbox_health(*, business: "Business", since: datetime) -> OutboxHealth:
    """The business's outbox at a glance (every channel): deliveries that failed since
    `since`, and what still waits to go out and since when. One aggregate query."""
    waiting = Q(status__in=[Status.QUEUED, Status.SENDING])
    row = OutboundMessage.objects.filter(business=business).aggregate(
        failed=Count("id", filter=Q(status=Status.FAILED, failed_at__gte=since)),
        waiting=Count("id", filter=waiting),
        oldest=Min("created_at", filter=waiting),
    )
    return OutboxHealth(
        failed=row["failed"], waiting=row["waiting"], oldest_waiting_at=row["oldest"]
    )


def failed_deliveries(
    *, business: "Business", since: datetime, limit: int = 10
) -> list[OutboundMessage]:
    """The latest messages that failed since `since` (to show whom they did not reach)."""
    return list(
        OutboundMessage.objects.filter(
            business=business, status=Status.FAILED, failed_at__gte=since
        )
        .select_related("customer")
        .order_by("-failed_at", "-id")[:limit]
    )
