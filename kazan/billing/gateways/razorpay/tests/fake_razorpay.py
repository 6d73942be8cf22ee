"""A local fake of the part of Razorpay's API that Kazan uses, speaking its wire format, for
tests that drive the official SDK against it (RAZORPAY_API_BASE = fake.url).

    Basic auth key_id:key_secret, JSON bodies; errors are
    {"error": {"code": "BAD_REQUEST_ERROR", "description": …, "source", "step", "reason", "field"}}
    POST /v1/plans, GET /v1/plans/{id}; POST /v1/customers; POST /v1/subscriptions,
    GET/PATCH /v1/subscriptions/{id}, POST /v1/subscriptions/{id}/cancel; POST /v1/orders,
    GET /v1/orders/{id}, GET /v1/orders/{id}/payments; GET /v1/payments/{id},
    POST /v1/payments/{id}/refund; GET /v1/invoices/{id}, GET /v1/invoices?subscription_id=…

Besides the API: the subscription's short_url is a hosted page on the fake (GET shows an
"Authorise" button, POST authorises and, without a future start_at, charges the first cycle),
and GET /v1/checkout.js is a stand-in for Razorpay Checkout: `new Razorpay(options).open()` pays
the order (or authorises the subscription) on the fake and posts the signed result to
options.callback_url, as Checkout does with redirect: true. What Razorpay would then send to the
webhook collects in `outbox` (see events.py for the helpers that move objects on).
"""

import base64
import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from kazan.billing.gateways.razorpay.tests.fake_razorpay_events import FakeRazorpayEvents
from kazan.core.tests.fake_server import LocalFakeServer

KEY_ID = "rzp_test_fake0123456789"
KEY_SECRET = "fake_key_secret_0123456789abcdef"
WEBHOOK_SECRET = "fake_webhook_secret_0123456789"
_ROUTE = re.compile(r"^/v1/(?P<kind>[a-z_]+)(?:/(?P<id>[A-Za-z0-9_]+))?(?:/(?P<action>[a-z_]+))?$")
PREFIXES = {
    "plans": "plan_",
    "customers": "cust_",
    "subscriptions": "sub_",
    "orders": "order_",
    "payments": "pay_",
    "invoices": "inv_",
    "refunds": "rfnd_",
}
UPDATABLE = ("authenticated", "active")


def new_id(kind: str) -> str:
    return PREFIXES[kind] + secrets.token_hex(7)


def error(status: int, description: str, *, field_name: str = "", code: str = "BAD_REQUEST_ERROR"):
    return status, {
        "error": {
            "code": code,
            "description": description,
            "source": "business" if status < 500 else "internal",
            "step": "payment_initiation",
            "reason": "input_validation_failed" if status < 500 else "server_error",
            "metadata": {},
            "field": field_name or None,
        }
    }


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class FakeRazorpay(FakeRazorpayEvents, LocalFakeServer):
    key_id: str = KEY_ID
    key_secret: str = KEY_SECRET
    webhook_secret: str = WEBHOOK_SECRET
    requests: list[Recorded] = field(default_factory=list)
    objects: dict[str, dict[str, dict]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.objects = {kind: {} for kind in PREFIXES}
        self.outbox: list = []
        self._failures: list[tuple[int, dict]] = []

    # -- test controls --------------------------------------------------------------------------

    def fail_next(self, *, status: int = 500, code: str = "SERVER_ERROR", times: int = 1) -> None:
        with self.lock:
            self._failures += [error(status, "Injected failure", code=code)] * times

    def calls(self, method: str | None = None, path_prefix: str = "") -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            ]

    def get(self, kind: str, object_id: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.objects[kind][object_id])

    # -- the API --------------------------------------------------------------------------------

    def _create(self, kind: str, values: dict) -> dict:
        obj = {"id": new_id(kind), "created_at": int(time.time()), **values}
        self.objects[kind][obj["id"]] = obj
        return copy.deepcopy(obj)

    def plan_create(self, body: dict) -> tuple[int, dict]:
        item = body.get("item") or {}
        if body.get("period") not in ("daily", "weekly", "monthly", "yearly"):
            return error(
                400,
                "The period must be one of daily, weekly, monthly or yearly.",
                field_name="period",
            )
        if not isinstance(item.get("amount"), int) or item["amount"] < 100:
            return error(400, "The amount must be atleast INR 1.00", field_name="amount")
        if not item.get("name") or not item.get("currency"):
            return error(400, "The name field is required.", field_name="name")
        return 200, self._create(
            "plans",
            {
                "entity": "plan",
                "interval": int(body.get("interval") or 1),
                "period": body["period"],
                "notes": body.get("notes") or [],
                "item": {
                    "id": "item_" + secrets.token_hex(7),
                    "active": True,
                    "type": "plan",
                    "unit_amount": item["amount"],
                    "unit": None,
                    "tax_inclusive": False,
                    "hsn_code": None,
                    "sac_code": None,
                    "tax_rate": None,
                    "tax_id": None,
                    "tax_group_id": None,
                    **item,
                },
            },
        )

    def customer_create(self, body: dict) -> tuple[int, dict]:
        if not body.get("name") and not body.get("email"):
            return error(400, "The name field is required.", field_name="name")
        customers = self.objects["customers"].values()
        existing = [c for c in customers if c["email"] == body.get("email")]
        if existing and str(body.get("fail_existing", "1")) == "0":
            return 200, copy.deepcopy(existing[0])
        if existing:
            return error(400, "Customer already exists for the merchant", field_name="email")
        return 200, self._create(
            "customers",
            {
                "entity": "customer",
                "name": body.get("name", ""),
                "email": body.get("email", ""),
                "contact": body.get("contact"),
                "gstin": None,
                "notes": body.get("notes") or [],
            },
        )

    def subscription_create(self, body: dict) -> tuple[int, dict]:
        plan = self.objects["plans"].get(body.get("plan_id", ""))
        if plan is None:
            return error(400, "The id provided does not exist", field_name="plan_id")
        total = body.get("total_count")
        if not isinstance(total, int) or not 1 <= total <= (
            100 if plan["period"] == "yearly" else 1200
        ):
            return error(
                400,
                "The total count must be between 1 and the plan's limit.",
                field_name="total_count",
            )
        start_at = body.get("start_at")
        if start_at is not None and (not isinstance(start_at, int) or start_at < time.time()):
            return error(
                400, "start_at cannot be lesser than the current time", field_name="start_at"
            )
        customer_id = body.get("customer_id")
        if customer_id is not None and customer_id not in self.objects["customers"]:
            return error(400, "The id provided does not exist", field_name="customer_id")
        sub_id = new_id("subscriptions")
        sub = {
            "id": sub_id,
            "entity": "subscription",
            "plan_id": plan["id"],
            "customer_id": customer_id,
            "status": "created",
            "current_start": None,
            "current_end": None,
            "ended_at": None,
            "quantity": int(body.get("quantity") or 1),
            "notes": body.get("notes") or [],
            "charge_at": start_at,
            "start_at": start_at,
            "end_at": None,
            "auth_attempts": 0,
            "total_count": total,
            "paid_count": 0,
            "customer_notify": bool(body.get("customer_notify", 1)),
            "created_at": int(time.time()),
            "expire_by": body.get("expire_by"),
            "short_url": f"{self.url}/v1/t/subscriptions/{sub_id}",
            "has_scheduled_changes": False,
            "change_scheduled_at": None,
            "source": "api",
            "offer_id": None,
            "remaining_count": total,
        }
        self.objects["subscriptions"][sub_id] = sub
        return 200, copy.deepcopy(sub)

    def subscription_edit(self, sub: dict, body: dict) -> tuple[int, dict]:
        if sub["status"] not in UPDATABLE:
            return error(400, f"Subscription cannot be updated in {sub['status']} status.")
        plan_id = body.get("plan_id", sub["plan_id"])
        if plan_id not in self.objects["plans"]:
            return error(400, "The id provided does not exist", field_name="plan_id")
        when = body.get("schedule_change_at", "now")
        if when not in ("now", "cycle_end"):
            return error(
                400, "schedule_change_at must be now or cycle_end", field_name="schedule_change_at"
            )
        if when == "now":
            sub.update(plan_id=plan_id, has_scheduled_changes=False, change_scheduled_at=None)
            sub.pop("_scheduled_plan_id", None)
        else:
            sub.update(
                has_scheduled_changes=True,
                change_scheduled_at=sub["current_end"],
                _scheduled_plan_id=plan_id,
            )
        return 200, self.public(sub)

    def subscription_cancel(self, sub: dict, body: dict) -> tuple[int, dict]:
        if sub["status"] in ("cancelled", "completed", "expired"):
            return error(
                400,
                f"Subscription is not cancellable in {sub['status']} status.",
                field_name="status",
            )
        if str(body.get("cancel_at_cycle_end", 0)) in ("1", "True", "true"):
            sub["_cancel_at_cycle_end"] = True
        else:
            sub.update(status="cancelled", ended_at=int(time.time()))
        return 200, self.public(sub)

    def order_create(self, body: dict) -> tuple[int, dict]:
        amount = body.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return error(400, "The amount must be atleast INR 1.00", field_name="amount")
        if not body.get("currency") or len(str(body.get("receipt", ""))) > 40:
            return error(
                400, "The receipt may not be greater than 40 characters.", field_name="receipt"
            )
        return 200, self._create(
            "orders",
            {
                "entity": "order",
                "amount": amount,
                "amount_paid": 0,
                "amount_due": amount,
                "currency": body["currency"],
                "receipt": body.get("receipt"),
                "offer_id": None,
                "status": "created",
                "attempts": 0,
                "notes": body.get("notes") or [],
            },
        )

    def payment_refund(self, payment: dict, body: dict) -> tuple[int, dict]:
        amount = body.get("amount", payment["amount"] - payment["amount_refunded"])
        if payment["status"] not in ("captured", "refunded"):
            return error(400, "The payment has not been captured")
        if (
            not isinstance(amount, int)
            or amount <= 0
            or (amount > payment["amount"] - payment["amount_refunded"])
        ):
            return error(
                400,
                "The refund amount provided is greater than amount captured",
                field_name="amount",
            )
        payment["amount_refunded"] += amount
        payment["refund_status"] = (
            "full" if payment["amount_refunded"] == payment["amount"] else "partial"
        )
        if payment["refund_status"] == "full":
            payment["status"] = "refunded"
        return 200, self._create(
            "refunds",
            {
                "entity": "refund",
                "amount": amount,
                "currency": payment["currency"],
                "payment_id": payment["id"],
                "notes": body.get("notes") or [],
                "receipt": body.get("receipt"),
                "acquirer_data": {"arn": None},
                "batch_id": None,
                "status": "processed",
                "speed_processed": "normal",
                "speed_requested": body.get("speed", "normal"),
            },
        )

    def invoice_list(self, query: dict) -> tuple[int, dict]:
        """GET /v1/invoices?subscription_id=…: a collection, newest first (as Razorpay lists)."""
        wanted = query.get("subscription_id")
        found = [
            self.public(invoice)
            for invoice in reversed(list(self.objects["invoices"].values()))
            if wanted is None or invoice.get("subscription_id") == wanted
        ]
        found.sort(key=lambda invoice: -invoice["created_at"])  # stable: the later made first
        items = found[: int(query.get("count", 10))]
        return 200, {"entity": "collection", "count": len(items), "items": items}

    @staticmethod
    def public(obj: dict) -> dict:
        return {key: value for key, value in copy.deepcopy(obj).items() if not key.startswith("_")}

    def route(self, method: str, path: str, body: dict) -> tuple[int, dict]:
        match = _ROUTE.match(path)
        if not match or match["kind"] not in PREFIXES:
            return error(400, "The requested URL was not found on the server.")
        kind, object_id, action = match["kind"], match["id"], match["action"]
        creates = {
            "plans": self.plan_create,
            "customers": self.customer_create,
            "subscriptions": self.subscription_create,
            "orders": self.order_create,
        }
        if object_id is None:
            if method == "POST" and kind in creates:
                return creates[kind](body)
            if method == "GET" and kind == "invoices":
                return self.invoice_list(body)
            return error(400, "The requested URL was not found on the server.")
        obj = self.objects[kind].get(object_id)
        if obj is None:
            return error(400, "The id provided does not exist")
        if method == "GET" and action is None:
            return 200, self.public(obj)
        if kind == "subscriptions" and method == "PATCH" and action is None:
            return self.subscription_edit(obj, body)
        if kind == "subscriptions" and method == "POST" and action == "cancel":
            return self.subscription_cancel(obj, body)
        if kind == "orders" and method == "GET" and action == "payments":
            items = [
                self.public(p)
                for p in self.objects["payments"].values()
                if p["order_id"] == object_id
            ]
            return 200, {"entity": "collection", "count": len(items), "items": items}
        if kind == "payments" and method == "POST" and action == "refund":
            return self.payment_refund(obj, body)
        return error(400, "The requested URL was not found on the server.")

    def handle(self, handler: "_Handler", method: str) -> tuple[int, Any]:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        path, _, query = handler.path.partition("?")
        headers = {key.lower(): value for key, value in handler.headers.items()}
        if path.startswith("/v1/t/subscriptions/") or path.startswith("/v1/checkout"):
            return self.page(method, path, raw)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return error(400, "The request body is not valid JSON.")
        if method == "GET":  # the SDK sends a GET's data as its query string
            body = {key: values[-1] for key, values in parse_qs(query).items()}
        with self.lock:
            self.requests.append(Recorded(method, path, headers, body))
        expected = "Basic " + base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        if headers.get("authorization") != expected:
            return error(401, "Authentication failed")
        with self.lock:
            if self._failures:
                return self._failures.pop(0)
            return self.route(method, path, body)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeRazorpay
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests read `requests`, not stderr
        pass

    def _answer(self, method: str) -> None:
        status, payload = self.fake.handle(self, method)
        if isinstance(payload, tuple):  # (content type, text): the hosted pages and the script
            content_type, text = payload
            data = text.encode()
        else:
            content_type, data = "application/json", json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self._answer("POST")

    def do_GET(self):
        self._answer("GET")

    def do_PATCH(self):
        self._answer("PATCH")


FakeRazorpay.handler = _Handler
