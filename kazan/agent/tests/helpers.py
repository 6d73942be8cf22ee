"""Test helpers of the agent: a registered, consenting WhatsApp customer, and the customer's
turn through conversation_receive."""

from django.utils import timezone

from kazan.conversations.engine import Inbound
from kazan.conversations.services import conversation_receive
from kazan.customers.services import (
    consent_grant,
    consent_wording_for_text,
    customer_get_or_create_by_phone,
    identity_attach,
)


def make_shopper(business, phone, name="Lucía García"):
    customer, _created = customer_get_or_create_by_phone(
        business=business, phone=phone, name=name, language="es", channel="whatsapp"
    )
    identity_attach(business=business, customer=customer, channel="whatsapp", external_id=phone)
    customer.registered_at = timezone.now()
    customer.save(update_fields=["registered_at"])
    wording = consent_wording_for_text(
        purpose="data_processing", language="es", text="Acepto el tratamiento de mis datos."
    )
    consent_grant(
        business=business,
        customer=customer,
        purpose="data_processing",
        channel="whatsapp",
        wording=wording,
    )
    return customer


def say(business, text, *, phone="+34600111222", payload=None, channel="whatsapp"):
    """The customer's message; returns the replies."""
    received = conversation_receive(
        business=business,
        channel=channel,
        handle=phone,
        inbound=Inbound(text=text, payload=payload),
    )
    return received.replies


def texts(replies):
    return "\n".join(str(r.get("text", "")) for r in replies)


def links(replies):
    return [link["url"] for r in replies if r.get("type") == "links" for link in r["links"]]
