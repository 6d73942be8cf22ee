"""The fake's Stripe Billing API routes (prices, customers, subscription updates and cancels,
invoice payments, refunds, portal sessions), answering as Stripe does."""

import copy
import time
from typing import Any

from kazan.billing.gateways.stripe.testing.billing import Answer, BillingFake, list_object
from kazan.billing.gateways.stripe.testing.wire import event_build, fixture, new_id


class BillingApi(BillingFake):
    """Stripe Billing's routes; FakeStripe dispatches to them under its lock."""

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
        return 200, copy.deepcopy(list_object(found[:limit], "/v1/prices"))

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
        return 200, list_object(data, "/v1/invoice_payments")

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
