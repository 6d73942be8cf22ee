"""The "messages" section of a data-subject export and erasure (registered in apps.py).

A customer's messages are those linked to them and those sent to their number (an OTP goes out
before the person is a customer). Erasure keeps the rows, their status and segment counts for
the business's statistics and the credit ledger, but not the number, the text (body and
payload) or the link.
"""

from django.db.models import Q
from django.utils import timezone

from kazan.messaging import ledger
from kazan.messaging.error_codes import MessagingErrorCode
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.phones import to_index

ERASED_BODY = "[erased]"


def _customer_messages(business, customer):
    match = Q(customer=customer)
    phone = getattr(customer, "phone_e164", "")
    if phone:
        match |= Q(to_index=to_index(phone))
    return OutboundMessage.objects.filter(match, business=business).order_by("created_at", "id")


def messages_export(business, customer) -> list[dict]:
    return [
        {
            "channel": message.channel,
            "to": message.to,
            "body": message.body,
            "payload": message.payload,
            "purpose": message.purpose,
            "status": message.status,
            "segments": message.segments,
            "created_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            "delivered_at": message.delivered_at.isoformat() if message.delivered_at else None,
            "failed_at": message.failed_at.isoformat() if message.failed_at else None,
        }
        for message in _customer_messages(business, customer)
    ]


def messages_erase(business, customer) -> None:
    """Runs inside the erasure's transaction. Messages not yet sent are cancelled (failed,
    credits refunded): there is no number left to send them to."""
    messages = _customer_messages(business, customer)
    now = timezone.now()
    for message in messages.filter(status__in=[Status.QUEUED, Status.SENDING]):
        changed = OutboundMessage.objects.filter(
            pk=message.pk, status__in=[Status.QUEUED, Status.SENDING]
        ).update(
            status=Status.FAILED,
            failed_at=now,
            lease_expires_at=None,
            next_attempt_at=None,
            error_code=MessagingErrorCode.ERASED,
            updated_at=now,
        )
        if changed:
            ledger.credits_refund(business=business, message=message)
    # A bulk UPDATE writes "" straight to the encrypted column: nothing is left to decrypt.
    messages.update(
        to="", to_index="", body=ERASED_BODY, payload={}, customer=None, error_message=""
    )
