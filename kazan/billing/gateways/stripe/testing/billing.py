"""The fake's Stripe Billing: prices, customers, subscriptions, invoices, invoice payments,
refunds and customer portal sessions, with the events Stripe sends about them.

Amounts and periods behave like Stripe's: a subscription item's period is one calendar interval
from its anchor; an update with proration_behavior=always_invoice credits the unused time on the
old price and charges the remaining time on the new one, by the second, on a new invoice paid at
once; a renewal either pays (invoice.paid) or fails (invoice.payment_failed, past_due) and a
later payment of the open invoice makes the subscription active again.
"""

import calendar
import copy
import datetime as dt
import time
from typing import Any

from kazan.billing.gateways.stripe.testing.wire import (
    Delivery,
    event_build,
    fixture,
    new_id,
    sign,
)

RETRY_SECONDS = 3 * 24 * 3600  # Smart Retries' next attempt, roughly
Answer = tuple[int, dict[str, Any]]


def interval_add(start: int, interval: str, count: int = 1) -> int:
    """`count` intervals after `start` (unix seconds), by the calendar, as Stripe bills."""
    moment = dt.datetime.fromtimestamp(start, tz=dt.UTC)
    if interval in ("day", "week"):
        days = count * (7 if interval == "week" else 1)
        return int((moment + dt.timedelta(days=days)).timestamp())
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def _list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}


class BillingFake:
    """Mixed into FakeStripe: state lives under its lock (`self._lock`)."""

    _lock: Any  # FakeStripe's RLock
    webhook_secret: str

    def _error(self, status: int, message: str, *, code: str = "", param: str = "") -> Answer:
        error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
        if code:
            error["code"] = code
        if param:
            error["param"] = param
        return status, {"error": error}

    def _billing_init(self) -> None:
        self.prices: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.portal_sessions: dict[str, dict[str, Any]] = {}
        # PaymentIntents made by paid invoices: {id: {amount, currency, refunded, charge, invoice}}
        self.payments: dict[str, dict[str, Any]] = {}
        self._outbox: list[dict[str, Any]] = []

    # -- test controls --------------------------------------------------------------------------

    def events_take(self) -> list[Delivery]:
        """The events Stripe would have sent since the last call (API updates and cancels),
        signed now, in order; taken out of the outbox."""
        with self._lock:
            events, self._outbox = self._outbox, []
        return [sign(event, secret=self.webhook_secret) for event in events]

    def renewal_fail(self, subscription_id: str) -> list[Delivery]:
        """The period ends and the card is declined: the next period's invoice stays open and
        the subscription becomes past_due → invoice.payment_failed, customer.subscription.updated"""
        with self._lock:
            sub = self.subscriptions[subscription_id]
            previous = self._period_advance(sub)
            invoice = self._cycle_invoice(sub, paid=False)
            previous["status"] = sub["status"]
            sub.update(status="past_due", latest_invoice=invoice["id"])
            events = [
                event_build("invoice.payment_failed", invoice),
                event_build("customer.subscription.updated", sub, previous=previous),
            ]
        return [sign(event, secret=self.webhook_secret) for event in events]

    def renewal_pay(self, subscription_id: str) -> list[Delivery]:
        """A renewal paid: the open invoice of a failed renewal (a retry that succeeds), else
        the next period's. → invoice.paid, customer.subscription.updated (active)"""
        with self._lock:
            sub = self.subscriptions[subscription_id]
            open_invoice = next(
                (
                    invoice
                    for invoice in self.invoices.values()
                    if invoice["status"] == "open" and self._invoice_sub(invoice) == sub["id"]
                ),
                None,
            )
            if open_invoice is not None:
                previous: dict[str, Any] = {}
                open_invoice["attempt_count"] += 1
                self._invoice_pay(open_invoice)
                invoice = open_invoice
            else:
                previous = self._period_advance(sub)
                invoice = self._cycle_invoice(sub, paid=True)
            previous["status"] = sub["status"]
            sub.update(status="active", latest_invoice=invoice["id"])
            events = [
                event_build("invoice.paid", invoice),
                event_build("customer.subscription.updated", sub, previous=previous),
            ]
        return [sign(event, secret=self.webhook_secret) for event in events]

    # -- building objects (callers hold the lock) -----------------------------------------------

    def _customer_new(
        self, *, email: str | None, name: str | None = None, metadata: Any = None
    ) -> dict[str, Any]:
        customer = {
            **fixture("customer_created.json")["data"]["object"],
            "id": new_id("cus", 7),
            "created": int(time.time()),
            "email": email,
            "name": name,
            "metadata": metadata or {},
        }
        self.customers[customer["id"]] = customer
        return customer

    def _subscription_new(
        self,
        *,
        customer: str,
        price: dict[str, Any],
        quantity: int,
        metadata: dict[str, str],
        trial_end: int | None,
    ) -> dict[str, Any]:
        now = int(time.time())
        sub_id = new_id("sub")
        end = trial_end or interval_add(now, price["recurring"]["interval"])
        template = fixture("customer_subscription_created.json")["data"]["object"]
        item = {
            **template["items"]["data"][0],
            "id": new_id("si", 7),
            "created": now,
            "current_period_start": now,
            "current_period_end": end,
            "price": copy.deepcopy(price),
            "quantity": quantity,
            "subscription": sub_id,
        }
        sub = {
            **template,
            "id": sub_id,
            "billing_cycle_anchor": end if trial_end else now,
            "created": now,
            "start_date": now,
            "currency": price["currency"],
            "customer": customer,
            "items": _list([item], f"/v1/subscription_items?subscription={sub_id}"),
            "metadata": dict(metadata),
            "status": "trialing" if trial_end else "active",
            "trial_start": now if trial_end else None,
            "trial_end": trial_end,
        }
        self.subscriptions[sub_id] = sub
        return sub

    def _line(
        self,
        sub: dict[str, Any],
        *,
        price: dict[str, Any],
        amount: int,
        start: int,
        end: int,
        description: str,
        proration: bool = False,
    ) -> dict[str, Any]:
        template = fixture("invoice_paid.json")["data"]["object"]["lines"]["data"][0]
        item = sub["items"]["data"][0]
        line: dict[str, Any] = copy.deepcopy(template)
        line.update(
            id=new_id("il"),
            amount=amount,
            currency=price["currency"],
            description=description,
            period={"start": start, "end": end},
            quantity=item["quantity"],
        )
        line["pricing"]["price_details"] = {"price": price["id"], "product": price["product"]}
        line["pricing"]["unit_amount_decimal"] = str(price["unit_amount"])
        line["parent"]["subscription_item_details"].update(
            proration=proration, subscription=sub["id"], subscription_item=item["id"]
        )
        return line

    def _invoice_new(
        self, sub: dict[str, Any], *, lines: list[dict[str, Any]], reason: str, paid: bool
    ) -> dict[str, Any]:
        now = int(time.time())
        invoice_id = new_id("in")
        for line in lines:
            line["invoice"] = invoice_id
        total = sum(line["amount"] for line in lines)
        customer = self.customers.get(sub["customer"]) or {}
        invoice = {
            **copy.deepcopy(fixture("invoice_paid.json")["data"]["object"]),
            "id": invoice_id,
            "amount_due": max(total, 0),
            "amount_paid": 0,
            "amount_remaining": max(total, 0),
            "attempt_count": 1,
            "billing_reason": reason,
            "created": now,
            "currency": sub["currency"],
            "customer": sub["customer"],
            "customer_email": customer.get("email"),
            "effective_at": now,
            "lines": _list(lines, f"/v1/invoices/{invoice_id}/lines"),
            "number": f"FAKE-{len(self.invoices) + 1:04d}",
            "period_start": lines[0]["period"]["start"] if reason == "subscription_cycle" else now,
            "period_end": lines[0]["period"]["start"] if reason == "subscription_cycle" else now,
            "status": "open",
            "subtotal": total,
            "subtotal_excluding_tax": total,
            "total": total,
            "total_excluding_tax": total,
        }
        invoice["parent"]["subscription_details"] = {
            "metadata": dict(sub["metadata"]),
            "subscription": sub["id"],
        }
        invoice["status_transitions"] = {
            "finalized_at": now,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        }
        self.invoices[invoice_id] = invoice
        if paid:
            self._invoice_pay(invoice)
        else:
            invoice["next_payment_attempt"] = now + RETRY_SECONDS
        return invoice

    def _invoice_pay(self, invoice: dict[str, Any]) -> None:
        now = int(time.time())
        amount = invoice["amount_due"]
        invoice.update(
            status="paid", amount_paid=amount, amount_remaining=0, next_payment_attempt=None
        )
        invoice["status_transitions"]["paid_at"] = now
        if amount > 0:
            self.payments[new_id("pi")] = {
                "amount": amount,
                "currency": invoice["currency"],
                "refunded": 0,
                "charge": new_id("ch"),
                "invoice": invoice["id"],
            }

    def _invoice_sub(self, invoice: dict[str, Any]) -> str:
        return str(invoice["parent"]["subscription_details"]["subscription"])

    def _period_advance(self, sub: dict[str, Any]) -> dict[str, Any]:
        """The next period of the subscription's item; returns Stripe's previous_attributes."""
        item = sub["items"]["data"][0]
        start, end = item["current_period_start"], item["current_period_end"]
        interval = item["price"]["recurring"]["interval"]
        item.update(current_period_start=end, current_period_end=interval_add(end, interval))
        if sub["status"] == "trialing":
            sub["trial_end"] = end
        return {"items": {"data": [{"current_period_start": start, "current_period_end": end}]}}

    def _cycle_invoice(self, sub: dict[str, Any], *, paid: bool) -> dict[str, Any]:
        item = sub["items"]["data"][0]
        price = item["price"]
        line = self._line(
            sub,
            price=price,
            amount=price["unit_amount"] * item["quantity"],
            start=item["current_period_start"],
            end=item["current_period_end"],
            description=f"{item['quantity']} × {self._product_name(price)}",
        )
        return self._invoice_new(sub, lines=[line], reason="subscription_cycle", paid=paid)

    def _product_name(self, price: dict[str, Any]) -> str:
        return str(price.get("nickname") or price["product"])

    def _proration_invoice(
        self, sub: dict[str, Any], old: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any]:
        """Unused time on the old price credited, remaining time on the new one charged, by the
        second, as Stripe computes a proration at the moment of the update."""
        item = sub["items"]["data"][0]
        now = int(time.time())
        start, end = item["current_period_start"], item["current_period_end"]
        share = max(end - now, 0) / max(end - start, 1)
        after = dt.datetime.fromtimestamp(now, tz=dt.UTC).strftime("%d %b %Y")
        quantity = item["quantity"]
        lines = [
            self._line(
                sub,
                price=old,
                amount=-round(old["unit_amount"] * quantity * share),
                start=now,
                end=end,
                description=f"Unused time on {self._product_name(old)} after {after}",
                proration=True,
            ),
            self._line(
                sub,
                price=new,
                amount=round(new["unit_amount"] * quantity * share),
                start=now,
                end=end,
                description=f"Remaining time on {self._product_name(new)} after {after}",
                proration=True,
            ),
        ]
        return self._invoice_new(sub, lines=lines, reason="subscription_update", paid=True)

    # -- the API --------------------------------------------------------------------------------

    def price_create(self, params: dict[str, Any]) -> Answer:
        try:
            amount = int(params["unit_amount"])
        except (KeyError, ValueError):
            return self._error(400, "Missing required param: unit_amount.", param="unit_amount")
        currency = str(params.get("currency") or "").lower()
        recurring = params.get("recurring") or {}
        if len(currency) != 3 or amount < 0:
            return self._error(400, "Invalid currency or unit_amount.", param="currency")
        if recurring and recurring.get("interval") not in ("day", "week", "month", "year"):
            return self._error(400, "Invalid recurring[interval].", param="recurring[interval]")
        name = (params.get("product_data") or {}).get("name")
        if not params.get("product") and not name:
            return self._error(400, "Missing required param: product.", param="product")
        lookup_key = params.get("lookup_key")
        taken = [
            price["id"]
            for price in self.prices.values()
            if lookup_key and price["lookup_key"] == lookup_key
        ]
        if taken and params.get("transfer_lookup_key") != "true":
            return self._error(
                400, f"A price (`{taken[0]}`) already uses that lookup key.", param="lookup_key"
            )
        price = {
            **fixture("customer_subscription_created.json")["data"]["object"]["items"]["data"][0][
                "price"
            ],
            "id": new_id("price"),
            "created": int(time.time()),
            "currency": currency,
            "lookup_key": lookup_key,
            "metadata": params.get("metadata") or {},
            "nickname": name,
            "product": params.get("product") or new_id("prod", 7),
            "recurring": (
                {
                    "interval": recurring["interval"],
                    "interval_count": int(recurring.get("interval_count", 1)),
                    "meter": None,
                    "trial_period_days": None,
                    "usage_type": "licensed",
                }
                if recurring
                else None
            ),
            "type": "recurring" if recurring else "one_time",
            "unit_amount": amount,
            "unit_amount_decimal": str(amount),
        }
        for other in taken:
            self.prices[other]["lookup_key"] = None
        self.prices[price["id"]] = price
        return 200, copy.deepcopy(price)

    def price_list(self, query: dict[str, Any]) -> Answer:
        keys = query.get("lookup_keys")
        found = [
            price
            for price in self.prices.values()
            if (keys is None or price["lookup_key"] in keys)
            and ("active" not in query or str(price["active"]).lower() == query["active"])
        ]
        limit = int(query.get("limit", 10))
        return 200, copy.deepcopy(_list(found[:limit], "/v1/prices"))

    def customer_create(self, params: dict[str, Any]) -> Answer:
        customer = self._customer_new(
            email=params.get("email"), name=params.get("name"), metadata=params.get("metadata")
        )
        return 200, copy.deepcopy(customer)

    def subscription_update(self, sub: dict[str, Any], params: dict[str, Any]) -> Answer:
        previous: dict[str, Any] = {}
        if "cancel_at_period_end" in params:
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            sub["canceled_at"] = int(time.time()) if sub["cancel_at_period_end"] else None
        if params.get("metadata"):
            previous["metadata"] = dict(sub["metadata"])
            sub["metadata"] = {**sub["metadata"], **params["metadata"]}
        invoice = None
        for change in params.get("items") or []:
            item = sub["items"]["data"][0]
            if change.get("id") != item["id"]:
                return self._error(
                    400, f"No such subscription item: '{change.get('id')}'", param="items"
                )
            new = self.prices.get(change.get("price", ""))
            if new is None:
                return self._error(
                    400, f"No such price: '{change.get('price')}'", code="resource_missing"
                )
            old = item["price"]
            previous["items"] = {"data": [copy.deepcopy(item)]}
            if params.get("proration_behavior") == "always_invoice" and new["id"] != old["id"]:
                invoice = self._proration_invoice(sub, old, new)
                sub["latest_invoice"] = invoice["id"]
            item["price"] = copy.deepcopy(new)
        self._outbox.append(event_build("customer.subscription.updated", sub, previous=previous))
        if invoice is not None:
            self._outbox.append(event_build("invoice.paid", invoice))
        return 200, copy.deepcopy(sub)

    def subscription_delete(self, sub: dict[str, Any]) -> Answer:
        now = int(time.time())
        sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at_period_end=False)
        self._outbox.append(event_build("customer.subscription.deleted", sub))
        return 200, copy.deepcopy(sub)

    def invoice_payment_list(self, query: dict[str, Any]) -> Answer:
        data = [
            {
                "id": "inpay_" + payment_id[3:],
                "object": "invoice_payment",
                "amount_paid": payment["amount"],
                "amount_requested": payment["amount"],
                "currency": payment["currency"],
                "invoice": payment["invoice"],
                "is_default": True,
                "livemode": False,
                "payment": {"type": "payment_intent", "payment_intent": payment_id},
                "status": "paid",
            }
            for payment_id, payment in self.payments.items()
            if payment["invoice"] == query.get("invoice")
        ]
        return 200, _list(data, "/v1/invoice_payments")

    def refund_create(self, params: dict[str, Any]) -> Answer:
        reference = params.get("payment_intent") or params.get("charge") or ""
        payment_id = next(
            (pid for pid, p in self.payments.items() if reference in (pid, p["charge"])), None
        )
        if payment_id is None:
            return self._error(
                404, f"No such payment_intent: '{reference}'", code="resource_missing"
            )
        payment = self.payments[payment_id]
        left = payment["amount"] - payment["refunded"]
        amount = int(params.get("amount", left))
        if amount <= 0 or amount > left:
            return self._error(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                code="amount_too_large",
                param="amount",
            )
        payment["refunded"] += amount
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": payment["charge"],
            "created": int(time.time()),
            "currency": payment["currency"],
            "metadata": params.get("metadata") or {},
            "payment_intent": payment_id,
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return 200, copy.deepcopy(refund)

    def portal_session_create(self, params: dict[str, Any], base_url: str) -> Answer:
        customer = params.get("customer", "")
        if customer not in self.customers:
            return self._error(404, f"No such customer: '{customer}'", code="resource_missing")
        session_id = new_id("bps")
        session = {
            "id": session_id,
            "object": "billing_portal.session",
            "configuration": "bpc_fake",
            "created": int(time.time()),
            "customer": customer,
            "flow": None,
            "livemode": False,
            "locale": None,
            "on_behalf_of": None,
            "return_url": params.get("return_url"),
            "url": f"{base_url}/p/session/{session_id}",
        }
        self.portal_sessions[session_id] = session
        return 200, copy.deepcopy(session)
