"""POST /hooks/twilio/inbound: an SMS a customer sent to a Twilio number.

Twilio posts form-encoded parameters (MessageSid, From, To, Body, …; fixtures/inbound_*.json
hold the documented payloads), signed in X-Twilio-Signature like the status callbacks. The
signing token is that of the business's installation whose number is `To`, else the platform's.
The webhook only verifies, stores the event (channels.services.inbound_store: the MessageSid is
unique, so Twilio's retries are dropped) and enqueues its processing; the worker runs
STOP/START/HELP and the conversation (channels.services.sms_inbound_process). Answers:
- 403 when the signature is missing or wrong (nothing is stored before it is checked);
- 400 when MessageSid or From is missing or malformed;
- 200 with an empty TwiML <Response/> otherwise (replies go out through the outbox).
"""

import logging
from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse

from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.base import InboundMessage
from kazan.channels.providers.twilio.webhooks import MESSAGE_SID, bad_request, twilio_signed
from kazan.channels.queries import unscoped_installation_for_address

logger = logging.getLogger("kazan.hooks.twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
PARAMS_KEPT = ("MessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "NumSegments")


class MalformedInbound(ValueError):
    pass


def twilio_parse(params: Mapping[str, str]) -> list[InboundMessage]:
    """Twilio's incoming-message parameters -> one normalized inbound message.
    Raises MalformedInbound when MessageSid or From is missing or malformed."""
    sid = params.get("MessageSid", "")
    sender = params.get("From", "").strip()
    if not MESSAGE_SID.match(sid):
        raise MalformedInbound("MessageSid is missing or malformed.")
    if not sender:
        raise MalformedInbound("From is missing.")
    return [
        InboundMessage(
            provider_message_id=sid,
            sender=sender,
            recipient=params.get("To", "").strip(),
            text=params.get("Body", ""),
            raw={key: params[key] for key in PARAMS_KEPT if key in params},
        )
    ]


def _twiml() -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


def _to_installation(request: HttpRequest, *, fresh: bool = False) -> ChannelInstallation | None:
    """The installation whose number is `To` (cached; `fresh`: from the table)."""
    return unscoped_installation_for_address(
        provider="twilio", address=request.POST.get("To", "").strip(), fresh=fresh
    )


@twilio_signed(_to_installation, lambda request: _to_installation(request, fresh=True))
def twilio_inbound(
    request: HttpRequest, *, installation: ChannelInstallation | None
) -> HttpResponse:
    from kazan.channels.services import inbound_store

    try:
        messages = twilio_parse(request.POST)
    except MalformedInbound as exc:
        return bad_request(str(exc))
    for message in messages:
        _event, stored = inbound_store(
            provider="twilio", channel="sms", message=message, installation=installation
        )
        if not stored:
            logger.info("twilio inbound %s is a retry; dropped", message.provider_message_id)
    return _twiml()
