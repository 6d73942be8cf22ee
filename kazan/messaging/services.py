"""Messaging write use-cases: queue an SMS (outbox), move SMS credits, apply delivery reports.

Each runs in one transaction (a savepoint inside the caller's), writes its activity row, and
enqueues work only from `transaction.on_commit`, so a rollback leaves no message, no charge and
no task behind.
"""

import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.core.db import insert_or_fetch
from kazan.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kazan.customers.phones import phone_normalize
from kazan.customers.queries import sms_marketing_consent_is_granted
from kazan.messaging import ledger
from kazan.messaging.error_codes import MessagingErrorCode
from kazan.messaging.models import Kind, OutboundMessage, Purpose, SmsCreditEntry, Status
from kazan.messaging.phones import to_index
from kazan.messaging.segments import SegmentInfo, sms_segments
from kazan.messaging.transports import (
    SMS_CAPABILITIES,
    Installation,
    Transport,
    channel_default,
    channels_known,
    installation_active,
    sms_render,
    transport,
)
from kazan.messaging.window import replies_for_window

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.messaging")

__all__ = [
    "SegmentInfo",
    "delivery_enqueue",
    "message_send",
    "message_status_update",
    "sms_credits_adjust",
    "sms_credits_grant",
    "sms_credits_purchase",
    "sms_segments",
    "sms_send",
    "sms_status_update",
]

# Twilio's limit for one message (10 concatenated parts of UCS-2, ~1600 GSM-7 characters).
BODY_MAX_CHARACTERS = SMS_CAPABILITIES.max_text_length  # campaigns check drafts with it
IDEMPOTENCY_KEY_MAX = 100


def delivery_enqueue(message_id: int, *, run_after: datetime | None = None) -> None:
    """Queue the delivery task. A failure to enqueue loses nothing: the sweeper finds the row."""
    from kazan.messaging.tasks import outbox_deliver

    try:
        task = outbox_deliver if run_after is None else outbox_deliver.using(run_after=run_after)
        task.enqueue(message_id)
    except Exception:
        logger.exception("could not enqueue delivery of sms %s; the sweeper will", message_id)


def sms_send(
    *,
    business: "Business",
    to: str,
    body: str,
    purpose: str,
    customer: "Customer | None" = None,
    idempotency_key: str | None = None,
    actor: "User | None" = None,
    actor_kind: str | None = None,
) -> OutboundMessage:
    """Writes an SMS to the outbox (message_send on the "sms" channel with one text reply).

    Call it inside the transaction of the change that causes the message: if that rolls back,
    there is no message, no charge and no task. The same `idempotency_key` again (per business)
    returns the first message and charges nothing. Marketing needs the customer's current SMS
    marketing consent. Raises ValidationFailed, PermissionDenied, NotFound, InsufficientCredits.
    """
    return message_send(
        business=business,
        channel="sms",
        to=to,
        payload={"replies": [{"type": "text", "text": (body or "").strip()}]},
        purpose=purpose,
        customer=customer,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_kind=actor_kind,
    )


def _credit(
    *,
    business: "Business",
    kind: str,
    amount: int,
    actor: "User | None",
    note: str,
    reference: str | None,
    action: str,
    actor_kind: str | None = None,
) -> SmsCreditEntry:
    """A credit with an optional idempotency `reference`: the same reference again returns the
    first entry (Conflict if its amount differs), however the two requests interleave."""
    with transaction.atomic():
        if reference is not None:
            existing = SmsCreditEntry.objects.filter(business=business, reference=reference).first()
            if existing is not None:
                return _same_credit(existing, kind=kind, amount=amount)
        entry, inserted = insert_or_fetch(
            lambda: ledger.entry_write(
                business=business,
                kind=kind,
                amount=amount,
                reference=reference,
                actor=actor,
                note=note,
            ),
            lambda: (
                SmsCreditEntry.objects.filter(business=business, reference=reference).first()
                if reference is not None
                else None
            ),
        )
        if not inserted:
            return _same_credit(entry, kind=kind, amount=amount)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            target=entry,
            data={"amount": amount, "balance_after": entry.balance_after},
        )
    return entry


def _same_credit(existing: SmsCreditEntry, *, kind: str, amount: int) -> SmsCreditEntry:
    if existing.kind != kind or existing.amount != amount:
        raise Conflict(_("This reference was already used for a different credit."))
    return existing


def _positive(amount: object) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationFailed(_("Enter a whole number of credits greater than zero."))
    return amount


def sms_credits_grant(
    *,
    business: "Business",
    amount: int,
    actor: "User | None",
    note: str = "",
    reference: str | None = None,
) -> SmsCreditEntry:
    """Free credits (welcome package, goodwill); idempotent when a `reference` is given."""
    return _credit(
        business=business,
        kind=Kind.GRANT,
        amount=_positive(amount),
        actor=actor,
        note=note,
        reference=reference,
        action="sms_credits.granted",
    )


def sms_credits_purchase(
    *, business: "Business", amount: int, reference: str, actor: "User | None" = None
) -> SmsCreditEntry:
    """Credits bought with a payment. `reference` (the payment's id) makes it idempotent: a
    replayed payment webhook returns the first entry and adds nothing."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed(_("A purchase needs the payment's reference."))
    return _credit(
        business=business,
        kind=Kind.PURCHASE,
        amount=_positive(amount),
        actor=actor,
        note="",
        reference=reference[:100],
        action="sms_credits.purchased",
        actor_kind=None if actor is not None else "system",
    )


def sms_credits_adjust(
    *, business: "Business", amount: int, actor: "User | None", note: str
) -> SmsCreditEntry:
    """A platform staff correction, up or down; the balance never goes below zero
    (InsufficientCredits). Needs a note saying why."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise ValidationFailed(_("Enter a whole number of credits other than zero."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Say why the credits are adjusted."))
    return _credit(
        business=business,
        kind=Kind.ADJUSTMENT,
        amount=amount,
        actor=actor,
        note=note,
        reference=None,
        action="sms_credits.adjusted",
    )


# Delivery reports. A report only moves a message forward: delivered and failed are final, and
# a late "sent" never overwrites "delivered". Which earlier states each report may leave:
_REPORT_FROM = {
    "sent": [Status.QUEUED, Status.SENDING],
    "delivered": [Status.QUEUED, Status.SENDING, Status.SENT],
    "undelivered": [Status.QUEUED, Status.SENDING, Status.SENT],
    "failed": [Status.QUEUED, Status.SENDING, Status.SENT],
}
DELIVERY_REPORTS = frozenset(_REPORT_FROM)


def sms_status_update(
    *,
    provider: str,
    provider_message_id: str,
    report: str,
    error_code: str = "",
    error_message: str = "",
    installation: Installation | None = None,
) -> OutboundMessage | None:
    """Applies a provider's delivery report ("sent", "delivered", "undelivered", "failed").

    Returns the message, or None when the provider id is unknown among the messages sent
    through `installation` (None: the platform's account). Repeats change nothing.

    Refunds: "failed" means the provider never handed the SMS to a carrier (Twilio does not bill
    failed messages), so its credits come back. "undelivered" means it was sent and billed but
    the handset never got it: the message is marked failed and the credits are kept.
    """
    if report not in _REPORT_FROM:
        raise ValueError(f"unknown delivery report {report!r}")
    message = OutboundMessage.objects.filter(
        provider=provider,
        provider_message_id=provider_message_id,
        installation_id=installation.pk if installation is not None else None,
    ).first()
    if message is None:
        return None
    now = timezone.now()
    changes: dict[str, Any] = {"updated_at": now}
    if report == "sent":
        changes.update(status=Status.SENT, lease_expires_at=None)
    elif report == "delivered":
        changes.update(status=Status.DELIVERED, delivered_at=now, lease_expires_at=None)
    else:
        changes.update(
            status=Status.FAILED,
            failed_at=now,
            lease_expires_at=None,
            error_code=str(error_code)[:32],
            error_message=str(error_message)[:300],
        )
    with transaction.atomic():
        changed = OutboundMessage.objects.filter(
            pk=message.pk, status__in=_REPORT_FROM[report]
        ).update(**changes)
        if changed and report in ("undelivered", "failed"):
            refund = (
                ledger.credits_refund(business=message.business, message=message)
                if report == "failed"
                else None
            )
            activity_record(
                business=message.business,
                actor=None,
                actor_kind=f"provider:{provider}",
                action="sms.failed",
                target=message,
                data={
                    "code": str(error_code)[:32],
                    "refunded": refund.amount if refund else 0,
                    "report": report,
                },
            )
    message.refresh_from_db()
    return message


# A chat channel's statuses (WhatsApp: sent, delivered, read, failed) -> the delivery reports
# above: "read" is a delivered message the customer opened.
_CHAT_REPORTS = {"sent": "sent", "delivered": "delivered", "read": "delivered", "failed": "failed"}


def message_status_update(
    *,
    provider: str,
    provider_message_id: str,
    status: str,
    error_code: str = "",
    error_message: str = "",
    installation: Installation | None = None,
) -> OutboundMessage | None:
    """A chat provider's status for one of its messages (sms_status_update with "read" mapped to
    delivered); None for an unknown message or status. Only moves a message forward."""
    report = _CHAT_REPORTS.get(status)
    if report is None:
        return None
    return sms_status_update(
        provider=provider,
        provider_message_id=provider_message_id,
        report=report,
        error_code=error_code,
        error_message=error_message,
        installation=installation,
    )


# "document": a private file (exports, invoices) Telegram sends; other channels show its caption.
REPLY_TYPES = frozenset(
    {"text", "error", "choices", "input", "links", "voucher", "image", "list", "template"}
    | {"product", "product_list", "document"}
)


def _payload_check(payload: object) -> dict[str, list[dict[str, Any]]]:
    """The payload's shape: {"replies": [{"type": <a known reply type>, ...}, ...]}."""
    replies = payload.get("replies") if isinstance(payload, dict) else None
    if not isinstance(replies, list) or not replies:
        raise ValidationFailed(
            _("The message has no content."), code=MessagingErrorCode.INVALID_PAYLOAD
        )
    for reply in replies:
        if not isinstance(reply, dict) or reply.get("type", "text") not in REPLY_TYPES:
            raise ValidationFailed(
                _("The message has content of an unknown kind."),
                code=MessagingErrorCode.INVALID_PAYLOAD,
            )
    return {"replies": replies}


def _recipient(*, business: "Business", channel: str, to: str) -> str:
    if channel == "sms":
        return phone_normalize(to, region=business.country)
    handle = (to or "").strip()
    if not handle:
        raise ValidationFailed(
            _("The message has no recipient."), code=MessagingErrorCode.NO_RECIPIENT
        )
    return handle


def message_send(
    *,
    business: "Business",
    channel: str,
    to: str,
    payload: dict[str, Any],
    purpose: str,
    customer: "Customer | None" = None,
    installation: Installation | None = None,
    idempotency_key: str | None = None,
    actor: "User | None" = None,
    actor_kind: str | None = None,
) -> OutboundMessage:
    """The one way to queue an outbound message on any channel: a bot reply, an agent's reply,
    an OTP, a campaign message. Call it inside the transaction of its cause; the worker renders
    it with the channel's renderer and sends it with the installation's sender.

    `payload` is {"replies": [engine reply dicts]}; `to` the channel's handle (E.164 for SMS);
    `installation` defaults to the business's active one for the channel, else the platform
    default. `body` keeps the plain-text preview; channels that cost credits are charged for
    its segments. The same `idempotency_key` again (per business) returns the first message.
    Raises ValidationFailed, PermissionDenied, NotFound, InsufficientCredits.
    """
    if channel not in channels_known():
        raise ValidationFailed(
            _("This channel cannot send messages."), code=MessagingErrorCode.CHANNEL_UNKNOWN
        )
    if purpose not in Purpose.values:
        raise ValidationFailed(_("Unknown message purpose."))
    checked = _payload_check(payload)
    if installation is not None and (
        installation.business_id != business.pk or installation.channel != channel
    ):
        raise NotFound()
    installation = installation or installation_active(business=business, channel=channel)
    descriptor = transport(installation.provider) if installation else channel_default_for(channel)
    capabilities = descriptor.capabilities
    checked = {
        "replies": replies_for_window(
            business=business,
            channel=channel,
            handle=(to or "").strip(),
            capabilities=capabilities,
            replies=checked["replies"],
        )
    }
    body = sms_render(checked)
    if not body:
        raise ValidationFailed(_("The message is empty."))
    if len(body) > capabilities.max_text_length:
        raise ValidationFailed(
            _("The message is too long (at most %(max)d characters).")
            % {"max": capabilities.max_text_length}
        )
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationFailed(_("The idempotency key must be 1 to 100 characters."))
    recipient = _recipient(business=business, channel=channel, to=to)
    if customer is not None and customer.business_id != business.pk:
        raise NotFound()
    if purpose == Purpose.MARKETING:
        if customer is None:
            raise ValidationFailed(_("Offers can only be sent to a customer who agreed to them."))
        if channel == "sms" and not sms_marketing_consent_is_granted(
            business=business, customer=customer
        ):
            raise PermissionDenied(
                _("This customer has not agreed to receive offers by SMS."),
                code=MessagingErrorCode.NO_CONSENT,
            )

    def existing() -> OutboundMessage | None:
        if idempotency_key is None:
            return None
        return OutboundMessage.objects.filter(
            business=business, idempotency_key=idempotency_key
        ).first()

    with transaction.atomic():
        if (earlier := existing()) is not None:
            return earlier
        info = sms_segments(body)
        charged = info.segments if capabilities.costs_credits else 0
        # The same key may race in from another request: then that one is the message.
        message, inserted = insert_or_fetch(
            lambda: OutboundMessage.objects.create(
                business=business,
                customer=customer,
                channel=channel,
                to=recipient,
                to_index=to_index(recipient),
                body=body,
                payload=checked,
                installation_id=installation.pk if installation is not None else None,
                purpose=purpose,
                status=Status.QUEUED,
                encoding=info.encoding,
                segments=info.segments,
                credits=charged,
                next_attempt_at=timezone.now(),
                idempotency_key=idempotency_key or f"auto-{uuid.uuid4().hex}",
            ),
            existing,
        )
        if not inserted:
            return message
        if charged:
            ledger.credits_spend(business=business, message=message, actor=actor)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="sms.queued" if channel == "sms" else "message.queued",
            target=message,
            data={"purpose": purpose, "segments": info.segments}
            if channel == "sms"
            else {"purpose": purpose, "channel": channel},
        )
        transaction.on_commit(lambda: delivery_enqueue(message.pk))
    return message


def channel_default_for(channel: str) -> Transport:
    """The platform default transport of `channel`; ValidationFailed when it has none (the
    business must connect its own account first)."""
    descriptor = channel_default(channel)
    if descriptor is None:
        raise ValidationFailed(
            _("Connect this channel in Channels before sending messages on it."),
            code=MessagingErrorCode.CHANNEL_NOT_CONNECTED,
        )
    return descriptor
