"""POST /hooks/twilio/inbound: an SMS a customer sent to our Twilio number.

Twilio posts form-encoded parameters (MessageSid, From, To, Body, …; fixtures/inbound_*.json
hold the documented payloads), signed in X-Twilio-Signature like the status callbacks
(webhooks.signature_valid). Today only opt-outs are acted on: STOP, STOPALL, UNSUBSCRIBE,
CANCEL, END, QUIT and the usual German/Turkish/Italian/Spanish words withdraw SMS marketing
consent for the sender's number in every business that has messaged it
(campaigns.services.stop_reply_receive, idempotent by MessageSid). Answers:
- 403 when the signature is missing or wrong (nothing is read before it is checked);
- 400 when MessageSid or From is missing or malformed;
- 200 with an empty TwiML <Response/> otherwise (Twilio sends no reply of ours).
"""

import logging

from django.http import HttpRequest, HttpResponse

from kazan.campaigns.services import stop_reply_receive
from kazan.channels.providers.twilio.webhooks import MESSAGE_SID, bad_request, twilio_signed
from kazan.core.errors import ValidationFailed

logger = logging.getLogger("kazan.hooks.twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _twiml() -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


@twilio_signed
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid", "")
    sender = request.POST.get("From", "").strip()
    if not MESSAGE_SID.match(sid):
        return bad_request("MessageSid is missing or malformed.")
    if not sender:
        return bad_request("From is missing.")
    try:
        withdrawn = stop_reply_receive(
            provider="twilio",
            provider_message_id=sid,
            from_phone=sender,
            body=request.POST.get("Body", ""),
        )
    except ValidationFailed:
        # A short code or alphanumeric sender: no customer can have that number.
        logger.info("twilio inbound sms %s from a number that is not a phone number", sid)
        return _twiml()
    if withdrawn is None:
        logger.info("twilio inbound sms %s is not an opt-out; ignored", sid)
    else:
        logger.info("twilio inbound opt-out %s: %d customers withdrew", sid, withdrawn)
    return _twiml()
