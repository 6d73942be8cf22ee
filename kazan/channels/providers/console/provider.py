import hashlib
import logging

from kazan.messaging.transports import SmsRequest, SmsResult

logger = logging.getLogger("kazan.sms.console")


class ConsoleSmsProvider:
    """Sends nothing: reports the message delivered at once.

    The outbox row is the store: developers read it in the dev inbox (/dev/outbox), and the
    end-to-end tests read OTPs from /dev/outbox.json. The log line carries no number and no body.
    The provider id is derived from the idempotency key, so a retry gets the same id, as it would
    from a real provider that honours idempotency.
    """

    key = "console"

    def send(self, request: SmsRequest) -> SmsResult:
        digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:32]
        provider_message_id = f"CO{digest}"
        logger.info("console sms delivered id=%s chars=%d", provider_message_id, len(request.body))
        return SmsResult(provider_message_id=provider_message_id, status="delivered")
