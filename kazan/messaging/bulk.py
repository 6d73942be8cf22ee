"""Many marketing messages in one go: message_send's rules for a whole campaign batch, in a
fixed number of queries whatever the batch's size.

Per batch: the consent of every recipient read again in one query, the outbox rows in one
INSERT, the credits in ONE ledger entry (one conditional UPDATE of the balance by the batch's
total), the activity rows in one INSERT, and one delivery task per DELIVERY_CHUNK messages,
enqueued on commit. Call it inside the caller's transaction: a rollback (a crash, a unique key
already taken) leaves no message, no charge and no task behind.

Credits: when the balance cannot cover the whole batch, the messages are written in order as
far as the balance goes (the same rule as message_send one by one: the first that does not fit
and everything after it are not written) and the caller stops.
"""

import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from kazan.activity.services import activity_record_many
from kazan.core.db import rows_insert
from kazan.core.errors import InsufficientCredits, ValidationFailed
from kazan.customers.phones import phone_normalize
from kazan.customers.queries import customers_consenting
from kazan.messaging import ledger
from kazan.messaging.models import Kind, OutboundMessage, Purpose, SmsCreditAccount, Status
from kazan.messaging.phones import to_index
from kazan.messaging.segments import sms_segments
from kazan.messaging.transports import installation_active, sms_render, transport

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.messaging")

# Messages per delivery task: a worker takes a chunk and sends it at the shared rate.
DELIVERY_CHUNK = 200


@dataclass(frozen=True)
class BulkItem:
    """One message of a batch: the customer it goes to, the handle and the finished text."""

    customer_id: int
    to: str
    text: str
    idempotency_key: str


@dataclass
class BulkResult:
    """What was written: `messages` (message ids by customer id, in batch order); `skipped`
    customers whose consent is gone or whose number or text is unusable; `unpaid` the customers
    (in order) the balance did not cover — the caller stops there."""

    messages: dict[int, int] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    unpaid: list[int] = field(default_factory=list)


def _debit(*, business: "Business", costs: list[int], note: str) -> int:
    """Charges the longest prefix of `costs` the balance covers, as one ledger entry; returns
    the prefix's length. The first UPDATE is conditional on the whole total; only when that
    fails is the account row locked and the balance read, so concurrent sends never overdraw."""
    total = sum(costs)
    if total == 0:
        return len(costs)
    try:
        ledger.entry_write(business=business, kind=Kind.SEND, amount=-total, note=note)
        return len(costs)
    except InsufficientCredits:
        pass
    balance = (
        SmsCreditAccount.objects.select_for_update()
        .filter(business=business)
        .values_list("balance", flat=True)
        .first()
    ) or 0
    covered, spent = 0, 0
    for cost in costs:
        if spent + cost > balance:
            break
        spent += cost
        covered += 1
    if spent:
        ledger.entry_write(business=business, kind=Kind.SEND, amount=-spent, note=note)
    return covered


def marketing_sms_write_bulk(
    *, business: "Business", items: list[BulkItem], note: str = ""
) -> BulkResult:
    """Writes the marketing SMS of `items` (message_send with purpose "marketing" on the SMS
    channel, for many customers): consent re-checked now, numbers normalized, credits charged
    in one ledger entry, outbox and activity rows inserted in bulk, delivery queued on commit.
    A unique idempotency key already taken raises IntegrityError (the caller rolls back and
    takes the careful one-by-one path)."""
    result = BulkResult()
    if not items:
        return result
    installation = installation_active(business=business, channel="sms")
    descriptor = transport(installation.provider) if installation else None
    if descriptor is None:
        from kazan.messaging.services import channel_default_for

        descriptor = channel_default_for("sms")
    capabilities = descriptor.capabilities
    consenting = set(
        customers_consenting(business=business, purpose="sms_marketing")
        .filter(pk__in=[item.customer_id for item in items])
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for item in items:
        payload: dict[str, Any] = {"replies": [{"type": "text", "text": item.text}]}
        body = sms_render(payload)
        if (
            item.customer_id not in consenting
            or not (recipient := _number(item.to, region=business.country))
            or not body
            or len(body) > capabilities.max_text_length
        ):
            result.skipped.append(item.customer_id)
            continue
        info = sms_segments(body)
        rows.append(
            {
                "business_id": business.pk,
                "customer_id": item.customer_id,
                "channel": "sms",
                "to": recipient,
                "to_index": to_index(recipient),
                "body": body,
                "payload": payload,
                "installation_id": installation.pk if installation is not None else None,
                "purpose": Purpose.MARKETING.value,
                "status": Status.QUEUED.value,
                "encoding": info.encoding,
                "segments": info.segments,
                "credits": info.segments if capabilities.costs_credits else 0,
                "next_attempt_at": now,
                "idempotency_key": item.idempotency_key or f"auto-{uuid.uuid4().hex}",
            }
        )
    with transaction.atomic():
        covered = _debit(business=business, costs=[row["credits"] for row in rows], note=note)
        result.unpaid = [row["customer_id"] for row in rows[covered:]]
        rows = rows[:covered]
        ids = rows_insert(OutboundMessage, rows)
        activity_record_many(
            business=business,
            action="sms.queued",
            target_type=OutboundMessage._meta.label_lower,
            targets=[
                (pk, {"purpose": Purpose.MARKETING.value, "segments": row["segments"]})
                for pk, row in zip(ids, rows, strict=True)
            ],
        )
        transaction.on_commit(lambda: delivery_enqueue_many(ids))
    result.messages = {row["customer_id"]: pk for pk, row in zip(ids, rows, strict=True)}
    return result


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _number(to: str, *, region: str) -> str:
    """The E.164 number of `to`, "" when it is not one. A customer's number is stored
    normalized (customers.phones), so one already in E.164 form is taken as it is; anything
    else goes through phone_normalize as in message_send."""
    if _E164.fullmatch(to):
        return to
    try:
        return phone_normalize(to, region=region)
    except ValidationFailed:
        return ""


def delivery_enqueue_many(message_ids: list[int]) -> None:
    """One delivery task per DELIVERY_CHUNK messages. A failure to enqueue loses nothing: the
    sweeper finds the rows."""
    from kazan.messaging.tasks import outbox_deliver_many

    for start in range(0, len(message_ids), DELIVERY_CHUNK):
        chunk = message_ids[start : start + DELIVERY_CHUNK]
        try:
            outbox_deliver_many.enqueue(chunk)
        except Exception:
            logger.exception("could not enqueue delivery of %d sms; the sweeper will", len(chunk))
