"""What customers do from a campaign's SMS: follow a tracked link, unsubscribe with the link,
or reply STOP."""

import unicodedata
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_record
from kazan.campaigns import links, queries
from kazan.campaigns.audience import CHANNELS, SMS_MARKETING
from kazan.campaigns.models import CampaignRecipient, ShortLink, StopReply
from kazan.core.db import insert_or_fetch
from kazan.core.errors import NotFound
from kazan.customers.phones import phone_normalize
from kazan.customers.queries import (
    consent_is_granted,
    customer_find_by_phone,
    unscoped_customer_not_erased,
)
from kazan.customers.services import consent_withdraw
from kazan.messaging.queries import unscoped_business_ids_messaged
from kazan.tenancy.queries import unscoped_businesses_by_id

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


def link_click(*, code: str) -> str | None:
    """Counts a click on /l/<code> and returns where to go; None for an unknown code."""
    link = queries.unscoped_link_find(code=code)
    if link is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        ShortLink.objects.filter(pk=link.pk).update(click_count=F("click_count") + 1)
        customer = None
        if link.recipient_id:
            CampaignRecipient.objects.filter(pk=link.recipient_id, clicked_at__isnull=True).update(
                clicked_at=now
            )
            customer = link.recipient.customer if link.recipient else None
        event_record(
            business=link.business,
            kind=EventKind.LINK_CLICK,
            customer=customer,
            data={"link": link.pk, "campaign": link.campaign_id},
            at=now,
        )
    return link.target_url


def unsubscribe_target(*, token: str) -> tuple["Business", "Customer"]:
    """The business and customer a genuine token names; links.TokenInvalid or NotFound."""
    business_id, customer_id = links.unsubscribe_token_read(token)
    customer = unscoped_customer_not_erased(business_id=business_id, customer_id=customer_id)
    if customer is None:
        raise NotFound(_("We no longer hold any data about you for this business."))
    return customer.business, customer


def unsubscribe_confirm(*, token: str, ip: str = "", user_agent: str = "") -> "Business":
    """The unsubscribe link's POST: withdraws the consent to offers on every channel campaigns
    send them on (SMS, Telegram: the link ends both kinds of offer), once each; a second click
    changes nothing."""
    business, customer = unsubscribe_target(token=token)
    with transaction.atomic():
        for channel in CHANNELS.values():
            purpose = channel.consent_purpose
            if consent_is_granted(business=business, customer=customer, purpose=purpose):
                consent_withdraw(
                    business=business,
                    customer=customer,
                    purpose=purpose,
                    channel=f"{channel.key}-link",
                    ip=ip,
                    user_agent=user_agent,
                    actor_kind="customer",
                )
    return business


# Whole-message opt-out words (Twilio's own list, and the usual ones in our other languages).
STOP_WORDS = frozenset(
    {
        "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke",
        # German
        "stopp", "abmelden", "abbestellen", "austragen", "ende", "kundigen",
        # Turkish
        "dur", "iptal", "durdur", "ret", "abonelikiptal",
        # Italian
        "basta", "annulla", "cancella", "disiscrivi", "fine",
        # Spanish
        "baja", "parar", "alto", "cancelar", "detener", "fin",
    }
)  # fmt: skip


def stop_word(body: str) -> bool:
    """Is this SMS an opt-out? The whole text, case, accents, spaces and final dots ignored."""
    text = unicodedata.normalize("NFKD", (body or "").strip().casefold()[:40])
    text = "".join(ch for ch in text if ch.isalnum())
    return text in STOP_WORDS


def stop_reply_receive(
    *, provider: str, provider_message_id: str, from_phone: str, body: str
) -> int | None:
    """An inbound SMS: if it is a STOP word, withdraws SMS marketing consent for that number in
    every business that has messaged it. Returns how many customers opted out, or None when
    the SMS is not an opt-out. Idempotent by the provider's message id."""
    if not stop_word(body):
        return None
    number = phone_normalize(from_phone, region="")
    with transaction.atomic():

        def insert() -> StopReply:
            return StopReply.objects.create(
                provider=provider, provider_message_id=provider_message_id
            )

        def fetch() -> StopReply | None:
            return StopReply.objects.filter(
                provider=provider, provider_message_id=provider_message_id
            ).first()

        reply, inserted = insert_or_fetch(insert, fetch)
        if not inserted:
            return reply.withdrawn
        business_ids = unscoped_business_ids_messaged(phone=number)
        withdrawn = 0
        for business in unscoped_businesses_by_id(ids=business_ids):
            customer = customer_find_by_phone(business=business, phone=number)
            if customer is None:
                continue
            consent_withdraw(
                business=business,
                customer=customer,
                purpose=SMS_MARKETING,
                channel="sms-stop",
                actor_kind="customer",
            )
            withdrawn += 1
        StopReply.objects.filter(pk=reply.pk).update(withdrawn=withdrawn)
    return withdrawn
