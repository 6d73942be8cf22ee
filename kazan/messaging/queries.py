"""Messaging reads, always scoped to one business."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from kazan.messaging.models import (
    Kind,
    OutboundMessage,
    SmsCreditAccount,
    SmsCreditEntry,
    Status,
)

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def sms_balance(*, business) -> int:
    balance = (
        SmsCreditAccount.objects.filter(business=business).values_list("balance", flat=True).first()
    )
    return balance or 0


def sms_usage(*, business, since: datetime | None = None) -> dict:
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
    net = entries.aggregate(total=Sum("amount"))["total"] or 0
    return {**counts, "credits_used": -net}


def ledger_entries(*, business) -> QuerySet[SmsCreditEntry]:
    return SmsCreditEntry.objects.filter(business=business).select_related("actor")


def message_list(*, business, status: str | None = None) -> QuerySet[OutboundMessage]:
    messages = OutboundMessage.objects.filter(business=business)
    if status:
        messages = messages.filter(status=status)
    return messages


def messages_for_customer(*, business, customer) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(business=business, customer=customer)


def sms_balances(*, business_ids: list[int]) -> dict[int, int]:
    """Platform console: the credit balance of many businesses in one query."""
    return dict(
        SmsCreditAccount.objects.filter(business_id__in=business_ids).values_list(
            "business_id", "balance"
        )
    )


def sms_last_sender_business(*, phone: str):
    """Inbound routing on the platform's shared SMS number: the business that last sent an SMS
    to `phone` through it (the only reader across businesses: the webhook knows no business)."""
    from kazan.messaging.phones import to_index

    message = (
        OutboundMessage.objects.filter(
            to_index=to_index(phone), channel="sms", installation__isnull=True
        )
        .select_related("business")
        .order_by("-created_at", "-id")
        .first()
    )
    return message.business if message is not None else None


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
