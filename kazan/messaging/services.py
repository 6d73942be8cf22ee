"""Messaging write use-cases: queue an SMS (outbox), move SMS credits, apply delivery reports.

Each runs in one transaction (a savepoint inside the caller's), writes its activity row, and
enqueues work only from `transaction.on_commit`, so a rollback leaves no message, no charge and
no task behind.
"""

import logging
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.core.db import insert_or_fetch
from kazan.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kazan.customers.phones import phone_normalize
from kazan.messaging import ledger
from kazan.messaging.models import Kind, OutboundMessage, Purpose, SmsCreditEntry, Status
from kazan.messaging.phones import to_index
from kazan.messaging.segments import SegmentInfo, sms_segments

logger = logging.getLogger("kazan.messaging")

__all__ = [
    "SegmentInfo",
    "delivery_enqueue",
    "message_send",
    "payload_text",
    "sms_credits_adjust",
    "sms_credits_grant",
    "sms_credits_purchase",
    "sms_segments",
    "sms_send",
    "sms_status_update",
]

# Twilio's limit for one message (10 concatenated parts of UCS-2, ~1600 GSM-7 characters).
BODY_MAX_CHARACTERS = 1600
IDEMPOTENCY_KEY_MAX = 100


def delivery_enqueue(message_id: int, *, run_after=None) -> None:
    """Queue the delivery task. A failure to enqueue loses nothing: the sweeper finds the row."""
    from kazan.messaging.tasks import outbox_deliver

    try:
        task = outbox_deliver if run_after is None else outbox_deliver.using(run_after=run_after)
        task.enqueue(message_id)
    except Exception:
        logger.exception("could not enqueue delivery of sms %s; the sweeper will", message_id)


def _consent_is_granted(*, business, customer) -> bool:
    # Imported here: customers is another app's public query, and it may import messaging.
    from kazan.customers.models import ConsentRecord
    from kazan.customers.queries import consent_is_granted

    return consent_is_granted(
        business=business, customer=customer, purpose=ConsentRecord.Purpose.SMS_MARKETING
    )


def sms_send(
    *,
    business,
    to: str,
    body: str,
    purpose: str,
    customer=None,
    idempotency_key: str | None = None,
    actor=None,
    actor_kind: str | None = None,
) -> OutboundMessage:
    """Writes an SMS to the outbox and charges its segments; delivery starts after the commit.

    Call it inside the transaction of the change that causes the message: if that rolls back,
    there is no message, no charge and no task. The same `idempotency_key` again (per business)
    returns the first message and charges nothing. Marketing needs the customer's current SMS
    marketing consent. Raises ValidationFailed, PermissionDenied, NotFound, InsufficientCredits.
    """
    if purpose not in Purpose.values:
        raise ValidationFailed(_("Unknown message purpose."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("The message is empty."))
    if len(body) > BODY_MAX_CHARACTERS:
        raise ValidationFailed(
            _("The message is too long (at most %(max)d characters).")
            % {"max": BODY_MAX_CHARACTERS}
        )
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationFailed(_("The idempotency key must be 1 to 100 characters."))
    number = phone_normalize(to, region=business.country)
    if customer is not None and customer.business_id != business.pk:
        raise NotFound()
    if purpose == Purpose.MARKETING:
        if customer is None:
            raise ValidationFailed(_("Offers can only be sent to a customer who agreed to them."))
        if not _consent_is_granted(business=business, customer=customer):
            raise PermissionDenied(
                _("This customer has not agreed to receive offers by SMS."), code="no_consent"
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
        now = timezone.now()
        # The same key may race in from another request: then that one is the message.
        message, inserted = insert_or_fetch(
            lambda: OutboundMessage.objects.create(
                business=business,
                customer=customer,
                to=number,
                to_index=to_index(number),
                body=body,
                purpose=purpose,
                status=Status.QUEUED,
                encoding=info.encoding,
                segments=info.segments,
                credits=info.segments,
                next_attempt_at=now,
                idempotency_key=idempotency_key or f"auto-{uuid.uuid4().hex}",
            ),
            existing,
        )
        if not inserted:
            return message
        ledger.credits_spend(business=business, message=message, actor=actor)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="sms.queued",
            target=message,
            data={"purpose": purpose, "segments": info.segments},
        )
        transaction.on_commit(lambda: delivery_enqueue(message.pk))
    return message


def _credit(
    *,
    business,
    kind: str,
    amount: int,
    actor,
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


def _positive(amount) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationFailed(_("Enter a whole number of credits greater than zero."))
    return amount


def sms_credits_grant(
    *, business, amount: int, actor, note: str = "", reference: str | None = None
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


def sms_credits_purchase(*, business, amount: int, reference: str, actor=None) -> SmsCreditEntry:
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


def sms_credits_adjust(*, business, amount: int, actor, note: str) -> SmsCreditEntry:
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
) -> OutboundMessage | None:
    """Applies a provider's delivery report ("sent", "delivered", "undelivered", "failed").

    Returns the message, or None when the provider id is unknown. Repeats change nothing.

    Refunds: "failed" means the provider never handed the SMS to a carrier (Twilio does not bill
    failed messages), so its credits come back. "undelivered" means it was sent and billed but
    the handset never got it: the message is marked failed and the credits are kept.
    """
    if report not in _REPORT_FROM:
        raise ValueError(f"unknown delivery report {report!r}")
    message = OutboundMessage.objects.filter(
        provider=provider, provider_message_id=provider_message_id
    ).first()
    if message is None:
        return None
    now = timezone.now()
    changes: dict = {"updated_at": now}
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


def payload_text(payload: dict) -> str:
    """A channel-neutral payload ({"replies": [...]}, engine reply dicts) as plain text, options
    numbered ("1. Yes"): what a text-only channel shows and what SMS credits are counted on."""
    lines: list[str] = []
    for reply in payload.get("replies", []):
        if reply.get("text"):
            lines.append(str(reply["text"]))
        for index, choice in enumerate(reply.get("choices", []), start=1):
            lines.append(f"{index}. {choice['label']}")
        for link in reply.get("links", []):
            lines.append(f"{link.get('label', '')}: {link.get('url', '')}".strip(": "))
    return "\n".join(lines).strip()


def message_send(
    *,
    business,
    channel: str,
    to: str,
    payload: dict,
    purpose: str,
    customer=None,
    installation=None,
    idempotency_key: str | None = None,
    actor=None,
    actor_kind: str | None = None,
) -> OutboundMessage:
    """The one way to queue an outbound message on any channel (issue 10's outbox contract):
    call it inside the transaction of its cause; the channel's renderer and sender deliver it.
    `payload` is {"replies": [engine reply dicts]}; `to` the channel's handle (E.164 for SMS).
    Today only "sms" is wired (the outbox is being made channel-neutral)."""
    if channel != "sms":
        raise ValidationFailed(_("This channel cannot send messages yet."), code="channel_unknown")
    with transaction.atomic():
        message = sms_send(
            business=business,
            to=to,
            body=payload_text(payload),
            purpose=purpose,
            customer=customer,
            idempotency_key=idempotency_key,
            actor=actor,
            actor_kind=actor_kind,
        )
        if not message.payload:
            OutboundMessage.objects.filter(pk=message.pk).update(
                payload=payload, installation=installation
            )
            message.payload, message.installation = payload, installation
    return message
