"""Telling one person something on a channel: a customer (an order's status, a payment
confirmation, a low balance) or a team member in their bot chat.

The text goes out through `message_send` to the customer's identity on the channel; on
WhatsApp a pre-approved template goes with it for when the 24-hour window is closed (the
worker drops whichever does not apply). A send that cannot happen (no identity, an erased or
blocked customer, the channel refusing) comes back as a translated reason for the caller to
record, never as an exception: a notice must not undo the change it reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kazan.core.errors import KazanError
from kazan.customers.queries import identities_for

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

# The WhatsApp templates' names when the installation's config names none. The connect form
# (channels, WhatsApp) stores config["templates"] = {"order_update", "order_shipped",
# "cart_reminder"} and config["template_language"]; each template takes one text parameter.
DEFAULT_TEMPLATES = {
    "order_update": "order_status_update",
    "order_shipped": "order_shipped",
    "cart_reminder": "cart_reminder",
}


def _template(installation: Any, keys: tuple[str, ...], language: str) -> tuple[str, str]:
    """The first template of `keys` the installation names (else the default of the first)
    and its language."""
    config = getattr(installation, "config", None) or {}
    templates = config.get("templates") if isinstance(config, dict) else None
    templates = templates if isinstance(templates, dict) else {}
    chosen_language = str(config.get("template_language") or language) if config else language
    for key in keys:
        chosen = templates.get(key)
        if isinstance(chosen, str) and chosen:
            return chosen, chosen_language
    return DEFAULT_TEMPLATES.get(keys[0], keys[0]), chosen_language


def _queue(
    *,
    business: Business,
    customer: Customer | None,
    channel: str,
    to: str,
    replies: list[dict[str, Any]],
    purpose: str,
    idempotency_key: str,
) -> str:
    from kazan.messaging.services import message_send

    try:
        with transaction.atomic():
            message_send(
                business=business,
                channel=channel,
                to=to,
                payload={"replies": replies},
                purpose=purpose,
                customer=customer,
                idempotency_key=idempotency_key,
                actor_kind="system",
            )
    except KazanError as exc:
        return str(exc.message)
    return ""


def customer_notify(
    *,
    business: Business,
    customer: Customer | None,
    channel: str,
    text: str,
    idempotency_key: str,
    purpose: str = "transactional",
    template_keys: tuple[str, ...] = (),
    extra_replies: list[dict[str, Any]] | None = None,
) -> str:
    """Queues `text` (then `extra_replies`: choices, a link) to the customer on `channel`.
    Returns "" when queued, else why not (translated, safe to show the team). The same
    `idempotency_key` again sends nothing new."""
    from kazan.messaging.transports import installation_active

    if customer is None or customer.erased_at is not None:
        return _("the customer's data was erased")
    if customer.blocked_at is not None:
        return _("the customer is blocked")
    identity = identities_for(business=business, customer=customer).filter(channel=channel).first()
    if identity is None:
        return _("the customer has no address on %(channel)s") % {"channel": channel}
    replies: list[dict[str, Any]] = [{"type": "text", "text": text}, *(extra_replies or [])]
    if channel == "whatsapp" and template_keys:
        installation = installation_active(business=business, channel=channel)
        language = customer.language or business.language or "en"
        name, template_language = _template(installation, template_keys, language)
        replies.append(
            {
                "type": "template",
                "name": name,
                "language": template_language,
                "params": [text],
                "text": text,
            }
        )
    return _queue(
        business=business,
        customer=customer,
        channel=channel,
        to=identity.external_id,
        replies=replies,
        purpose=purpose,
        idempotency_key=idempotency_key,
    )


def member_notify(
    *, business: Business, channel: str, to: str, text: str, idempotency_key: str
) -> str:
    """Queues `text` to a team member's chat `to` on `channel` (their linked bot chat).
    Returns "" when queued, else why not."""
    if not to:
        return _("the team member has no chat on %(channel)s") % {"channel": channel}
    return _queue(
        business=business,
        customer=None,
        channel=channel,
        to=to,
        replies=[{"type": "text", "text": text}],
        purpose="transactional",
        idempotency_key=idempotency_key,
    )
