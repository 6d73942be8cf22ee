"""Replies from tool results, shared by both engines (seed 002's "format response →
sensitive? → secure link"): product lists become a WhatsApp multi-product message (with the
same list as text for every other channel), a product its details, a cart its lines and total,
an order its number, total and the secure payment link. Prices come formatted from the tools
(kazan.core.money, the customer's language); the chat shows no personal data but the first
name."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from kazan.conversations.engine.registry import LINK_OTHER

LIST_ITEMS_MAX = 30
SECTION_TITLE_MAX = 24
DESCRIPTION_LINES = 8


def text(message: str) -> dict[str, Any]:
    return {"type": "text", "text": message}


def _description(product: dict[str, Any], lines: int = DESCRIPTION_LINES) -> str:
    """The description's lines as a list under the name (a box's contents)."""
    rows = [row.strip() for row in str(product.get("description", "")).splitlines() if row.strip()]
    bullets = [row for row in rows if row.startswith(("-", "•", "*"))]
    shown = bullets or rows[:1]
    return "\n".join(f"   {row}" for row in shown[:lines])


def _line(index: int, product: dict[str, Any], with_description: bool) -> str:
    head = f"{index}. *{product['name']}* ({product['price']})"
    if product.get("regular_price"):
        head += " " + gettext("instead of %(price)s") % {"price": product["regular_price"]}
    if not product.get("in_stock", True):
        head += " — " + gettext("out of stock")
    if with_description:
        body = _description(product)
        if body:
            head += "\n" + body
    return head


def products_replies(
    products: list[dict[str, Any]], *, header: str, channel: str, closing: str = ""
) -> list[dict[str, Any]]:
    """A list of products: numbered with prices (and their contents when few), as a WhatsApp
    multi-product message where every product has a retailer id, else as text."""
    if not products:
        return [text(gettext("I found nothing that matches. Could you tell me more?"))]
    few = len(products) <= 3
    body = "\n\n".join(_line(i, p, few) for i, p in enumerate(products, start=1))
    listing = f"{header}\n\n{body}"
    replies: list[dict[str, Any]] = []
    if channel == "whatsapp" and all(p.get("retailer_id") for p in products):
        replies.append(
            {
                "type": "product_list",
                "text": listing,
                "header": header[:60],
                "catalog_id": "",
                "sections": [
                    {
                        "title": gettext("Products")[:SECTION_TITLE_MAX],
                        "items": [
                            {
                                "product_id": p["id"],
                                "retailer_id": p["retailer_id"],
                                "label": p["name"],
                            }
                            for p in products[:LIST_ITEMS_MAX]
                        ],
                    }
                ],
            }
        )
    else:
        replies.append(text(listing))
    if closing:
        replies.append(text(closing))
    return replies


def product_detail_replies(product: dict[str, Any], *, closing: str = "") -> list[dict[str, Any]]:
    lines = [f"*{product['name']}* — {product['price']}"]
    if product.get("description"):
        lines.append(str(product["description"]))
    variants = product.get("variants") or []
    if variants:
        lines.append(
            gettext("Sizes: %(list)s")
            % {"list": ", ".join(f"{v['name']} ({v['price']})" for v in variants)}
        )
    if product.get("starts_at"):
        lines.append(
            gettext("When: %(when)s") % {"when": product["starts_at"][:16].replace("T", " ")}
        )
    if not product.get("in_stock", True):
        lines.append(gettext("Currently out of stock."))
    replies = [text("\n".join(lines))]
    if closing:
        replies.append(text(closing))
    return replies


def cart_replies(cart: dict[str, Any], *, closing: str = "") -> list[dict[str, Any]]:
    if cart.get("empty") or not cart.get("lines"):
        return [text(gettext("Your cart is empty."))]
    rows = [f"• {line['quantity']} × {line['name']} — {line['total']}" for line in cart["lines"]]
    message = gettext("Your cart:") + "\n" + "\n".join(rows)
    message += "\n" + gettext("Total: %(total)s") % {"total": cart["total"]}
    replies = [text(message)]
    if closing:
        replies.append(text(closing))
    return replies


def order_replies(order: dict[str, Any], payment_url: str) -> list[dict[str, Any]]:
    """The placed order and, for online payment, its secure payment link (a links reply: the
    sensitive part happens on the secure page, never in the chat)."""
    items = ", ".join(f"{i['quantity']} × {i['name']}" for i in order.get("items", []))
    message = gettext("I have created your order #%(number)s: %(items)s (%(total)s).") % {
        "number": order["number"],
        "items": items,
        "total": order["total"],
    }
    if not payment_url:
        return [
            text(
                message
                + " "
                + gettext("You will pay on delivery. We will keep you posted here on every step.")
            )
        ]
    return [
        text(message + " " + gettext("Here is your secure payment link:")),
        {
            "type": "links",
            "links": [{"label": gettext("Pay securely"), "url": payment_url, "kind": LINK_OTHER}],
        },
        text(
            gettext(
                "Once you have paid you will receive the order confirmation, delivery updates "
                "here and your invoice. Can I help you with anything else?"
            )
        ),
    ]


def orders_status_replies(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for order in orders:
        row = gettext("Order #%(number)s of %(date)s: %(status)s, %(total)s") % {
            "number": order["number"],
            "date": order["created"],
            "status": order["status_label"],
            "total": order["total"],
        }
        if order.get("tracking_code"):
            row += " — " + gettext("tracking: %(code)s") % {"code": order["tracking_code"]}
        rows.append(row)
    return [text("\n".join(rows))]


def secure_link_reply(label: str, url: str) -> dict[str, Any]:
    return {"type": "links", "links": [{"label": label, "url": url, "kind": LINK_OTHER}]}
