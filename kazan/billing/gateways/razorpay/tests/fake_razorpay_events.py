"""The fake Razorpay's test controls: move an order or a subscription on the way Razorpay would
and get back the signed webhook deliveries Razorpay would send for it (built from the documented
payloads in fixtures/), plus Checkout's signed callback fields and the hosted pages.

Helper API (each returns the deliveries, oldest first; `Delivery.post(client)` sends one to
/hooks/razorpay/ with X-Razorpay-Signature and x-razorpay-event-id):
    subscription_authorise(sub_id)   created → authenticated (+ activated + charged when it
                                     starts now; with a future start_at only authenticated)
    subscription_charge(sub_id)      a cycle paid: [activated if it was not active,] charged
    subscription_fail(sub_id, halt=False)  a renewal failed: payment.failed, pending (halted)
    subscription_cycle_end(sub_id)   the cycle ends: a scheduled cancellation → cancelled, a
                                     scheduled plan change → updated
    subscription_event(sub_id, type) any subscription.* event for its current state
    order_pay(order_id) / order_fail(order_id)  payment.captured + order.paid / payment.failed
    checkout_callback(order_id) / subscription_callback(sub_id)  Checkout's signed POST fields
    delivery(event_dict, event_id=None), sign(body)   sign anything
    outbox_take()                    deliveries made by the hosted pages (browser tests)
"""

import copy
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
WEBHOOK_URL = "/hooks/razorpay/"
PERIOD_SECONDS = {"daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400, "yearly": 365 * 86400}


def fixture(event_type: str) -> dict:
    return json.loads((FIXTURES / f"{event_type.replace('.', '_')}.json").read_text())


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Delivery:
    """One webhook POST as Razorpay sends it."""

    event_id: str
    event_type: str
    body: str
    signature: str

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    def headers(self) -> dict[str, str]:
        return {
            "HTTP_X_RAZORPAY_SIGNATURE": self.signature,
            "HTTP_X_RAZORPAY_EVENT_ID": self.event_id,
        }

    def post(self, client: Any, url: str = WEBHOOK_URL) -> Any:
        return client.post(url, self.body, content_type="application/json", **self.headers())


class FakeRazorpayEvents:
    """Mixed into FakeRazorpay (which provides objects, lock, outbox, key_secret, url)."""

    objects: dict[str, dict[str, dict]]
    outbox: list[Delivery]
    key_secret: str
    webhook_secret: str
    lock: Any
    url: str

    def sign(self, body: str) -> str:
        return hmac_hex(self.webhook_secret, body)

    def delivery(self, event: dict, *, event_id: str | None = None) -> Delivery:
        body = json.dumps(event)
        return Delivery(
            event_id=secrets.token_hex(7) if event_id is None else event_id,
            event_type=event["event"],
            body=body,
            signature=self.sign(body),
        )

    def _event(self, event_type: str, **entities: dict) -> Delivery:
        event = fixture(event_type)
        for name, entity in entities.items():
            event["payload"][name] = {"entity": self.public(entity)}  # type: ignore[attr-defined]
        event["contains"] = list(entities)
        event["created_at"] = int(time.time())
        return self.delivery(event)

    def outbox_take(self) -> list[Delivery]:
        with self.lock:
            taken, self.outbox[:] = list(self.outbox), []
            return taken

    # -- subscriptions --------------------------------------------------------------------------

    def subscription_event(self, sub_id: str, event_type: str) -> Delivery:
        with self.lock:
            return self._event(event_type, subscription=self.objects["subscriptions"][sub_id])

    def _payment(self, *, amount: int, currency: str, status: str, **values: Any) -> dict:
        payment = {
            **fixture("payment.captured")["payload"]["payment"]["entity"],
            "id": "pay_" + secrets.token_hex(7),
            "amount": amount,
            "currency": currency,
            "status": status,
            "captured": status == "captured",
            "amount_refunded": 0,
            "refund_status": None,
            "created_at": int(time.time()),
            "notes": [],
            **values,
        }
        if status == "failed":
            failed = fixture("payment.failed")["payload"]["payment"]["entity"]
            payment.update({key: failed[key] for key in failed if key.startswith("error_")})
        self.objects["payments"][payment["id"]] = payment
        return payment

    def _invoice(self, sub: dict, status: str, payment_id: str | None) -> dict:
        plan = self.objects["plans"][sub["plan_id"]]
        invoice = {
            "id": "inv_" + secrets.token_hex(7),
            "entity": "invoice",
            "type": "invoice",
            "customer_id": sub["customer_id"],
            "subscription_id": sub["id"],
            "order_id": "order_" + secrets.token_hex(7),
            "payment_id": payment_id,
            "status": status,
            "amount": plan["item"]["amount"] * sub["quantity"],
            "amount_paid": 0,
            "amount_due": plan["item"]["amount"] * sub["quantity"],
            "paid_at": None,
            "currency": plan["item"]["currency"],
            "billing_start": sub["current_start"],
            "billing_end": sub["current_end"],
            "notes": copy.deepcopy(sub["notes"]),
            "created_at": int(time.time()),
        }
        self.objects["invoices"][invoice["id"]] = invoice
        return invoice

    def subscription_authorise(self, sub_id: str) -> list[Delivery]:
        with self.lock:
            sub = self.objects["subscriptions"][sub_id]
            sub.update(status="authenticated", auth_attempts=0)
            out = [self._event("subscription.authenticated", subscription=sub)]
            if sub["start_at"] is None or sub["start_at"] <= time.time():
                out += self.subscription_charge(sub_id)
            return out

    def subscription_charge(self, sub_id: str) -> list[Delivery]:
        with self.lock:
            sub = self.objects["subscriptions"][sub_id]
            plan = self.objects["plans"][sub.pop("_scheduled_plan_id", None) or sub["plan_id"]]
            now = int(time.time())
            start = now if sub["current_end"] is None else max(sub["current_end"], now)
            sub.update(
                plan_id=plan["id"],
                current_start=start,
                current_end=start + PERIOD_SECONDS[plan["period"]],
                charge_at=start + PERIOD_SECONDS[plan["period"]],
                paid_count=sub["paid_count"] + 1,
                remaining_count=sub["total_count"] - sub["paid_count"] - 1,
                has_scheduled_changes=False,
                change_scheduled_at=None,
                auth_attempts=0,
            )
            out = []
            if sub["status"] != "active":
                sub["status"] = "active"
                out.append(self._event("subscription.activated", subscription=sub))
            invoice = self._invoice(sub, "paid", None)
            payment = self._payment(
                amount=invoice["amount"],
                currency=invoice["currency"],
                status="captured",
                order_id=invoice["order_id"],
                invoice_id=invoice["id"],
                customer_id=sub["customer_id"],
            )
            invoice.update(
                payment_id=payment["id"],
                amount_paid=invoice["amount"],
                amount_due=0,
                paid_at=payment["created_at"],
            )
            out.append(self._event("subscription.charged", subscription=sub, payment=payment))
            return out

    def subscription_fail(self, sub_id: str, *, halt: bool = False) -> list[Delivery]:
        with self.lock:
            sub = self.objects["subscriptions"][sub_id]
            invoice = self._invoice(sub, "issued", None)
            payment = self._payment(
                amount=invoice["amount"],
                currency=invoice["currency"],
                status="failed",
                order_id=invoice["order_id"],
                invoice_id=invoice["id"],
                customer_id=sub["customer_id"],
            )
            sub.update(status="halted" if halt else "pending", auth_attempts=4 if halt else 1)
            return [
                self._event("payment.failed", payment=payment),
                self._event(f"subscription.{sub['status']}", subscription=sub),
            ]

    def subscription_cycle_end(self, sub_id: str) -> list[Delivery]:
        with self.lock:
            sub = self.objects["subscriptions"][sub_id]
            if sub.pop("_cancel_at_cycle_end", False):
                sub.update(status="cancelled", ended_at=int(time.time()))
                return [self._event("subscription.cancelled", subscription=sub)]
            if sub.get("_scheduled_plan_id"):
                sub["plan_id"] = sub.pop("_scheduled_plan_id")
                sub.update(has_scheduled_changes=False, change_scheduled_at=None)
                return [self._event("subscription.updated", subscription=sub)]
            return []

    def subscription_callback(self, sub_id: str) -> dict[str, str]:
        with self.lock:
            payments = [
                p
                for p in self.objects["payments"].values()
                if self.objects["invoices"]
                .get(p.get("invoice_id") or "", {})
                .get("subscription_id")
                == sub_id
            ]
        payment_id = payments[-1]["id"] if payments else "pay_" + secrets.token_hex(7)
        return {
            "razorpay_payment_id": payment_id,
            "razorpay_subscription_id": sub_id,
            "razorpay_signature": hmac_hex(self.key_secret, f"{payment_id}|{sub_id}"),
        }

    # -- orders ---------------------------------------------------------------------------------

    def order_pay(self, order_id: str) -> list[Delivery]:
        with self.lock:
            order = self.objects["orders"][order_id]
            payment = self._payment(
                amount=order["amount"],
                currency=order["currency"],
                status="captured",
                order_id=order_id,
                invoice_id=None,
                notes=copy.deepcopy(order["notes"]),
            )
            order.update(
                status="paid",
                amount_paid=order["amount"],
                amount_due=0,
                attempts=order["attempts"] + 1,
            )
            return [
                self._event("payment.captured", payment=payment),
                self._event("order.paid", payment=payment, order=order),
            ]

    def order_fail(self, order_id: str) -> list[Delivery]:
        with self.lock:
            order = self.objects["orders"][order_id]
            order.update(status="attempted", attempts=order["attempts"] + 1)
            payment = self._payment(
                amount=order["amount"],
                currency=order["currency"],
                status="failed",
                order_id=order_id,
                invoice_id=None,
            )
            return [self._event("payment.failed", payment=payment)]

    def checkout_callback(self, order_id: str) -> dict[str, str]:
        """Checkout's POST to callback_url after the order's last payment."""
        with self.lock:
            payments = [p for p in self.objects["payments"].values() if p["order_id"] == order_id]
        payment_id = payments[-1]["id"] if payments else "pay_" + secrets.token_hex(7)
        return {
            "razorpay_payment_id": payment_id,
            "razorpay_order_id": order_id,
            "razorpay_signature": hmac_hex(self.key_secret, f"{order_id}|{payment_id}"),
        }

    # -- hosted pages (browser tests) -----------------------------------------------------------

    def page(self, method: str, path: str, raw: str) -> tuple[int, tuple[str, str]]:
        if path == "/v1/checkout.js":
            return 200, ("application/javascript", CHECKOUT_JS.replace("FAKE_BASE", self.url))
        if path == "/v1/checkout/pay" and method == "POST":
            request = json.loads(raw or "{}")
            with self.lock:
                if request.get("order_id") in self.objects["orders"]:
                    self.outbox.extend(self.order_pay(request["order_id"]))
                    fields = self.checkout_callback(request["order_id"])
                elif request.get("subscription_id") in self.objects["subscriptions"]:
                    sub_id = request["subscription_id"]
                    self.outbox.extend(self.subscription_authorise(sub_id))
                    fields = self.subscription_callback(sub_id)
                else:
                    return 400, ("application/json", '{"error": "unknown order"}')
            return 200, ("application/json", json.dumps(fields))
        sub_id = path.rsplit("/", 1)[-1]
        with self.lock:
            sub = self.objects["subscriptions"].get(sub_id)
            if sub is None:
                return 404, ("text/html", "<h1>Not found</h1>")
            if method == "POST" and parse_qs(raw).get("action") == ["authorise"]:
                if sub["status"] == "created":
                    self.outbox.extend(self.subscription_authorise(sub_id))
                return 200, ("text/html", "<h1 id='done'>Subscription authorised</h1>")
        return 200, (
            "text/html",
            f"<h1>Razorpay (fake): authorise {sub_id}</h1><form method='post'>"
            "<button name='action' value='authorise' id='authorise'>Authorise</button></form>",
        )


CHECKOUT_JS = """
window.Razorpay = function (options) {
  this.open = function () {
    fetch("FAKE_BASE/v1/checkout/pay", {method: "POST", body: JSON.stringify(
      {key: options.key, order_id: options.order_id, subscription_id: options.subscription_id})})
      .then(function (answer) { return answer.json(); })
      .then(function (fields) {
        var form = document.createElement("form");
        form.method = "post";
        form.action = options.callback_url;
        Object.keys(fields).forEach(function (name) {
          var input = document.createElement("input");
          input.type = "hidden"; input.name = name; input.value = fields[name];
          form.appendChild(input);
        });
        document.body.appendChild(form);
        form.submit();
      });
  };
};
"""
