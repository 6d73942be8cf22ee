"""Cart and order tools: add, remove, show the cart, place the order (a secure payment link),
the customer's own orders' status. Every call is bound to the scope's business, customer and
channel; another customer's cart or order cannot be named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pydantic

from kazan.agent.tools.common import cart_data, customer_required, order_data
from kazan.agent.tools.registry import Tool, ToolFailed, ToolScope, tool_register
from kazan.core.errors import NotFound


class _Args(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")


class CartAddArgs(_Args):
    product_id: int = pydantic.Field(ge=1)
    variant_id: int | None = pydantic.Field(None, ge=1)
    quantity: int = pydantic.Field(1, ge=1, le=99)


class CartRemoveArgs(_Args):
    product_id: int = pydantic.Field(ge=1)
    variant_id: int | None = pydantic.Field(None, ge=1)
    quantity: int | None = pydantic.Field(
        None, ge=1, le=99, description="How many to take out; none: the whole line."
    )


class NoArgs(_Args):
    pass


class OrderArgs(_Args):
    payment_method: Literal["online", "cash_on_delivery"] | None = None


class OrderStatusArgs(_Args):
    order_number: int | None = pydantic.Field(None, ge=1, description="Blank: the latest.")


def _channel(scope: ToolScope) -> str:
    return scope.channel or "whatsapp"


def _cart_change(
    scope: ToolScope,
    change: Callable[..., Any],
    args: CartAddArgs | CartRemoveArgs,
    failure: tuple[str, str],
) -> Any:
    """The scope's customer's cart after `change` (a commerce cart service) on one line; a
    product that is not there is the tool's `failure` (code, message)."""
    try:
        return change(
            business=scope.business,
            customer=customer_required(scope),
            channel=_channel(scope),
            product_id=args.product_id,
            variant_id=args.variant_id,
            quantity=args.quantity,
        )
    except NotFound:
        raise ToolFailed(*failure) from None


def add_to_cart(scope: ToolScope, args: CartAddArgs) -> dict[str, Any]:
    from kazan.commerce import services as commerce_services

    cart = _cart_change(
        scope, commerce_services.cart_add, args, ("product_not_found", "No such product.")
    )
    return {"cart": cart_data(scope, cart), "added": {"product_id": args.product_id,
                                                     "quantity": args.quantity}}  # fmt: skip


def remove_from_cart(scope: ToolScope, args: CartRemoveArgs) -> dict[str, Any]:
    from kazan.commerce import services as commerce_services

    cart = _cart_change(
        scope,
        commerce_services.cart_remove,
        args,
        ("not_in_cart", "That product is not in the cart."),
    )
    return {"cart": cart_data(scope, cart)}


def get_cart_info(scope: ToolScope, args: NoArgs) -> dict[str, Any]:
    from kazan.commerce import queries as commerce_queries

    customer = customer_required(scope)
    cart = commerce_queries.cart_view(
        business=scope.business, customer=customer, channel=_channel(scope)
    )
    return {"cart": cart_data(scope, cart)}


def create_order(scope: ToolScope, args: OrderArgs) -> dict[str, Any]:
    from kazan.commerce import services as commerce_services

    customer = customer_required(scope)
    placed = commerce_services.order_create(
        business=scope.business,
        customer=customer,
        channel=_channel(scope),
        payment_method=args.payment_method,
    )
    return {"order": order_data(scope, placed.order), "payment_url": placed.payment_url}


def get_order_status(scope: ToolScope, args: OrderStatusArgs) -> dict[str, Any]:
    from kazan.commerce import queries as commerce_queries

    customer = customer_required(scope)
    orders = commerce_queries.orders_for_customer(
        business=scope.business, customer=customer, number=args.order_number, limit=3
    )
    if not orders:
        raise ToolFailed("order_not_found", "No such order of yours.")
    return {"orders": [order_data(scope, order) for order in orders]}


def register() -> None:
    for tool in (
        Tool("add_to_cart", "Put a product in the customer's cart.", CartAddArgs, add_to_cart),
        Tool(
            "remove_from_cart",
            "Take a product (or some of it) out of the customer's cart.",
            CartRemoveArgs,
            remove_from_cart,
        ),
        Tool(
            "get_cart_info",
            "What is in the customer's cart, with the total.",
            NoArgs,
            get_cart_info,
        ),
        Tool(
            "create_order",
            "Place the order of the cart's contents; returns a secure payment link.",
            OrderArgs,
            create_order,
            sensitive=True,
        ),
        Tool(
            "get_order_status",
            "The status of the customer's own order (by number, or the latest).",
            OrderStatusArgs,
            get_order_status,
        ),
    ):
        tool_register(tool)
