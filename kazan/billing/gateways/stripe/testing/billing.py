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


def list_object(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
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

    def renewal_end(self, subscription_id: str) -> list[Delivery]:
        """The period ends for a subscription cancelled at its end: Stripe deletes it.
        → customer.subscription.deleted"""
        with self._lock:
            sub = self.subscriptions[subscription_id]
            assert sub["cancel_at_period_end"], "not cancelled at the period's end"
            ended = sub["items"]["data"][0]["current_period_end"]
            sub.update(status="canceled", ended_at=ended, cancel_at_period_end=False)
            event = event_build("customer.subscription.deleted", sub)
        return [sign(event, secret=self.webhook_secret)]

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
            "items": list_object([item], f"/v1/subscription_items?subscription={sub_id}"),
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
            "lines": list_object(lines, f"/v1/invoices/{invoice_id}/lines"),
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
