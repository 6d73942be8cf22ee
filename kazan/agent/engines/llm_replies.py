"""What the customer sees after an LLM turn: the model's words, plus what only the shared
formatting (`kazan.agent.formatting`) may show — the secure links of the tool results (the
model never sees them), WhatsApp's interactive product list for the products found, and, when
the model said nothing, the same replies the local engine would give for those results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext, override

from kazan.agent import formatting

if TYPE_CHECKING:
    from kazan.agent.engines.base import ExecutedCall
    from kazan.agent.tools import ToolScope

LIST_TOOLS = ("get_product_list", "get_products_by_category", "get_event_by_date")


def _links(data: Any) -> list[tuple[str, str]]:
    """(key, url) of every link in a tool result, in order."""
    found: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and key.endswith("url") and value.startswith("http"):
                found.append((key, value))
            else:
                found += _links(value)
    elif isinstance(data, list):
        for value in data:
            found += _links(value)
    return found


def _listed(call: ExecutedCall) -> list[dict[str, Any]]:
    data = call.result.data
    return list(data.get("products") or data.get("events") or [])


def _full(call: ExecutedCall, scope: ToolScope) -> list[dict[str, Any]]:
    """The local engine's replies for one result (used when the model said nothing)."""
    data = call.result.data
    if not call.result.ok:
        return []
    if call.name in LIST_TOOLS:
        return formatting.products_replies(
            _listed(call), header=gettext("Here is what I found:"), channel=scope.channel
        )
    if call.name in ("get_product_info", "get_service_info"):
        return formatting.product_detail_replies(data.get("product") or data.get("service") or {})
    if "cart" in data and call.name != "create_order":
        return formatting.cart_replies(data["cart"])
    if call.name == "create_order" and "order" in data:
        return formatting.order_replies(data["order"], data.get("payment_url", ""))
    if call.name == "get_order_status":
        return formatting.orders_status_replies(data.get("orders") or [])
    for key in ("answer", "text"):
        if isinstance(data.get(key), str) and data[key]:
            return [formatting.text(data[key])]
    return []


def replies_for_calls(
    calls: list[ExecutedCall], *, scope: ToolScope, with_text: bool
) -> list[dict[str, Any]]:
    """Replies for the turn's tool results, in the customer's language. `with_text`: the model
    said nothing, so the results are shown in full."""
    replies: list[dict[str, Any]] = []
    with override(scope.language or scope.business.language):
        if with_text:
            for call in calls:
                replies += _full(call, scope)
            return replies
        lists = [c for c in calls if c.result.ok and c.name in LIST_TOOLS and _listed(c)]
        if lists and scope.channel == "whatsapp":
            shown = formatting.products_replies(
                _listed(lists[-1]), header=gettext("Our suggestions"), channel=scope.channel
            )
            replies += [reply for reply in shown if reply["type"] == "product_list"]
        for call in calls:
            if not call.result.ok:
                continue
            for key, url in _links(call.result.data):
                label = gettext("Pay securely") if key == "payment_url" else gettext("Open")
                replies.append(formatting.secure_link_reply(label, url))
    return replies
