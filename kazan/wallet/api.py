"""Wallet API (/api/v1/wallet): a customer's token balance, premium and history (API key or
session, permission customers.view) and an admin adjustment with a reason (seed 004 §10.1
"PUT users/:id/tokens", permission wallet.adjust). Another business's customer is a 404."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kazan.core.api import responses
from kazan.core.schemas import InputSchema
from kazan.customers.queries import customer_get
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth
from kazan.tenancy.api_limits import api_limits_apply
from kazan.wallet import queries, services
from kazan.wallet.services.tokens import MAX_MOVE

router = api_limits_apply(Router(tags=["wallet"]))


class EntryOut(Schema):
    id: int
    kind: str
    amount: int
    balance_after: int
    reference: str | None
    note: str
    created_at: dt.datetime


class WalletOut(Schema):
    customer_id: int
    balance: int
    premium_until: dt.datetime | None
    entries: list[EntryOut]


class HistoryQuery(InputSchema):
    limit: int = Field(20, ge=1, le=100, description="How many of the latest entries.")


class TokensIn(InputSchema):
    amount: int = Field(
        ..., ge=-MAX_MOVE, le=MAX_MOVE, description="Signed: + adds tokens, − takes them."
    )
    reason: str = Field(..., min_length=1, max_length=200, description="Why (kept on the entry).")


def _wallet(business, customer, limit: int = 20) -> WalletOut:
    return WalletOut(
        customer_id=customer.pk,
        balance=queries.token_balance(business=business, customer=customer),
        premium_until=queries.premium_until(business=business, customer=customer),
        entries=[
            EntryOut.from_orm(entry)
            for entry in queries.token_entries(business=business, customer=customer, limit=limit)
        ],
    )


@router.get(
    "/customers/{int:customer_id}",
    auth=tenant_auth,
    response=responses(WalletOut, 404, 422),
    summary="A customer's token balance, premium and latest transactions",
)
def wallet_get(request: HttpRequest, customer_id: int, params: Query[HistoryQuery]):
    business = api_require(request, "customers.view")
    customer = customer_get(business=business, customer_id=customer_id)
    return _wallet(business, customer, params.limit)


@router.put(
    "/customers/{int:customer_id}/tokens",
    auth=tenant_auth,
    response=responses(WalletOut, 402, 404, 422),
    summary="Adjust a customer's token balance (signed, with a reason)",
    description="402 `insufficient_tokens` when the balance would fall below zero; 400 "
    "`reason_required` without a reason. An optional `Idempotency-Key` header makes a retried "
    "request apply once: a repeat with the same key changes nothing.",
)
def wallet_adjust(request: HttpRequest, customer_id: int, payload: TokensIn):
    business = api_require(request, "wallet.adjust")
    customer = customer_get(business=business, customer_id=customer_id)
    actor = api_actor(request)
    key = (request.headers.get("Idempotency-Key") or "").strip()
    services.tokens_adjust(
        business=business,
        customer=customer,
        amount=payload.amount,
        reason=payload.reason,
        actor=actor.get("actor"),
        actor_kind=actor.get("actor_kind"),
        # A retried request with the same key applies once (the entry's unique reference).
        reference=f"api:{key[:90]}" if key else None,
    )
    return _wallet(business, customer)
