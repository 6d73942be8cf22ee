"""The shop flow (one `agent` step) bound to WhatsApp, the "thank you for registering" message
on the customer's channel, and the WhatsApp `order` message (a cart from the catalog)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from kazan.agent.step import AGENT_STEP, STATE_KEY, thanks_registered_text
from kazan.conversations.engine import Context, Reply, reply_text

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

log = logging.getLogger(__name__)

SHOP_FLOW = "shop"
SHOP_CHANNEL = "whatsapp"


def shop_flow_definition() -> dict[str, Any]:
    return {
        "key": SHOP_FLOW,
        "start": "agent",
        "order": ["agent"],
        "steps": {"agent": {"type": AGENT_STEP}},
    }


def shop_flow_ensure(*, business: Business) -> None:
    """Seeds the shop flow and binds it to WhatsApp, unless the business bound a flow of its own
    there already (connecting again never overwrites an edited binding)."""
    from kazan.conversations import flowstore
    from kazan.conversations.editor import queries as editor_queries
    from kazan.conversations.editor import services as editor_services

    binding = editor_queries.bindings_by_channel(business=business).get(SHOP_CHANNEL)
    if binding is not None:
        return
    with translation.override(None):
        version = flowstore.flow_version_save(
            business=business,
            key=SHOP_FLOW,
            name=str(gettext_lazy("Shop assistant")),
            definition=shop_flow_definition(),
        )
    editor_services.flow_bind(
        business=business,
        flow=version.flow,
        channel=SHOP_CHANNEL,
        restart_keywords=[],
        actor=None,  # type: ignore[arg-type]  # seeded by the system, not a member
    )


def on_registered(business: Business, customer: Customer, channel: str) -> None:
    """Registered through the secure link: thank them on the channel the link came from."""
    from kazan.customers.queries import identities_for
    from kazan.messaging.services import message_send

    channel = channel or SHOP_CHANNEL
    identity = identities_for(business=business, customer=customer).filter(channel=channel).first()
    if identity is None:
        return
    with translation.override(customer.language or business.language):
        replies = [reply_text(thanks_registered_text())]
    try:
        message_send(
            business=business,
            channel=channel,
            to=identity.external_id,
            payload={"replies": replies},
            purpose="transactional",
            customer=customer,
        )
    except Exception:  # the customer is registered either way; a failed send is logged
        log.exception("thank-you after registration not sent", extra={"business_id": business.pk})


def order_message_replies(ctx: Context, customer: Any, order: dict[str, Any]) -> list[Reply]:
    """A WhatsApp `order` (products picked in the catalog): the cart it makes, its summary and
    the offer to place the order ("yes" then creates it)."""
    from kazan.agent import formatting
    from kazan.agent.tools import ToolScope
    from kazan.agent.tools.common import cart_data
    from kazan.commerce import services as commerce_services

    raw = order.get("items")
    items: list[Any] = raw if isinstance(raw, list) else []
    cart = commerce_services.cart_from_order_message(
        business=ctx.business,
        customer=customer,
        channel=ctx.channel,
        catalog_id=str(order.get("catalog_id") or "")[:100],
        items=items[:100],
    )
    scope = ToolScope(business=ctx.business, customer=customer, language=ctx.language)
    data = cart_data(scope, cart)
    dialog = ctx.state.setdefault(STATE_KEY, {}).setdefault("dialog", {})
    if data["empty"]:
        return [reply_text(gettext("Sorry, I could not find those products in our catalog."))]
    dialog["pending"] = "order"
    return formatting.cart_replies(
        data,
        closing=gettext(
            "Shall I place the order? I will create it and send you a secure payment link."
        ),
    )
