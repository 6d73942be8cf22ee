"""The fake's HTTP side: Stripe's API routes, idempotency, errors, Checkout Sessions and the
hosted Checkout page.

    POST /v1/checkout/sessions          form-encoded with brackets (line_items[0][quantity]=1),
                                        Authorization: Bearer sk_…, optional Idempotency-Key
    GET  /v1/checkout/sessions/{id}     the session as it is now
    POST /v1/prices, GET /v1/prices?lookup_keys[0]=…, POST /v1/customers,
    GET|POST|DELETE /v1/subscriptions/{id} (GET: expand[]=latest_invoice|customer),
    GET /v1/invoices/{id}, GET /v1/invoice_payments?invoice=…, POST /v1/refunds,
    POST /v1/billing_portal/sessions
    4xx/5xx {"error": {"type": "invalid_request_error", "code": …, "message": …, "param": …}}
    GET  /c/pay/{session id}            the hosted page: the amount and a "Pay" button (id=pay)
    POST /c/pay/{session id}            pays: 303 to the success_url (the payer's browser)
"""

import copy
import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from kazan.billing.gateways.stripe.testing.api import BillingApi
from kazan.billing.gateways.stripe.testing.billing import Answer
from kazan.billing.gateways.stripe.testing.wire import (
    API_VERSION,
    EVENT_FIXTURES,
    SECRET_KEY,
    WEBHOOK_SECRET,
    Delivery,
    event_build,
    fixture,
    form_decode,
    sign,
)
from kazan.core.tests.fake_server import LocalFakeServer

_PAGE = re.compile(r"^/c/pay/(?P<id>cs_[A-Za-z0-9_]+)$")
_OBJECT = re.compile(
    r"^/v1/(?P<kind>checkout/sessions|prices|customers|subscriptions|invoices)/(?P<id>[A-Za-z0-9_]+)$"
)
TRIAL_END_MIN_SECONDS = 48 * 3600


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]


@dataclass
class FakeStripe(BillingApi, LocalFakeServer):
    secret_key: str = SECRET_KEY
    webhook_secret: str = WEBHOOK_SECRET
    requests: list[RecordedRequest] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._failures: list[tuple[int, dict[str, Any]]] = []
        self._answers: dict[str, tuple[str, int, dict[str, Any]]] = {}  # idempotency key → answer
        self._session_items: dict[str, dict[str, Any]] = {}  # what a session will subscribe to
        self._completions: dict[str, list[dict[str, Any]]] = {}  # session → its events
        self._billing_init()

    # -- test controls --------------------------------------------------------------------------

    def fail_next(
        self, *, status: int = 500, type: str = "api_error", code: str = "", times: int = 1
    ) -> None:
        error = {"type": type, "message": "Injected failure"}
        if code:
            error["code"] = code
        with self._lock:
            self._failures += [(status, {"error": error}) for _ in range(times)]

    def creates(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def complete(self, session_id: str, *, payment_status: str = "paid") -> dict[str, Any]:
        """The payer finished on Stripe's page (payment mode; subscription mode: `pay`)."""
        with self._lock:
            session = self.sessions[session_id]
            if session["mode"] == "subscription":
                return self.pay(session_id)
            session.update(
                status="complete",
                payment_status=payment_status,
                payment_intent="pi_" + secrets.token_hex(12),
                url=None,
            )
            return copy.deepcopy(session)

    def pay(self, session_id: str) -> dict[str, Any]:
        """What the hosted page's "Pay" does: completes the session; in subscription mode makes
        the customer (unless given), the subscription with its first period and a paid first
        invoice (€0 during a trial). Returns the session."""
        with self._lock:
            session = self.sessions[session_id]
            if session["status"] != "open":
                return copy.deepcopy(session)
            if session["mode"] != "subscription":
                return self.complete(session_id)
            wanted = self._session_items[session_id]
            customer_id = (
                session["customer"]
                or self._customer_new(email=session["customer_email"] or "payer@example.com")["id"]
            )
            price, quantity = wanted["price"], wanted["quantity"]
            trial_end = wanted["trial_end"]
            sub = self._subscription_new(
                customer=customer_id,
                price=price,
                quantity=quantity,
                metadata=wanted["metadata"],
                trial_end=trial_end,
            )
            item = sub["items"]["data"][0]
            line = self._line(
                sub,
                price=price,
                amount=0 if trial_end else price["unit_amount"] * quantity,
                start=item["current_period_start"],
                end=item["current_period_end"],
                description=(
                    f"Trial period for {self._product_name(price)}"
                    if trial_end
                    else f"{quantity} × {self._product_name(price)}"
                ),
            )
            invoice = self._invoice_new(sub, lines=[line], reason="subscription_create", paid=True)
            sub["latest_invoice"] = invoice["id"]
            session.update(
                status="complete",
                payment_status="no_payment_required" if trial_end else "paid",
                customer=customer_id,
                subscription=sub["id"],
                invoice=invoice["id"],
                url=None,
            )
            session["customer_details"] = {
                **fixture("checkout_session_completed.json")["data"]["object"]["customer_details"],
                "email": self.customers[customer_id]["email"],
            }
            self._completions[session_id] = [
                event_build("checkout.session.completed", session),
                event_build("customer.subscription.created", sub),
                event_build("invoice.paid", invoice),
            ]
            return copy.deepcopy(session)

    def events_for_completion(self, session_id: str) -> list[Delivery]:
        """The events Stripe sends when a subscription Checkout is paid, signed now:
        checkout.session.completed, customer.subscription.created, invoice.paid."""
        with self._lock:
            events = copy.deepcopy(self._completions[session_id])
        return [sign(event, secret=self.webhook_secret) for event in events]

    def expire(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="expired", url=None)
            return copy.deepcopy(session)

    def event_for(
        self, session_id: str, event_type: str, *, event_id: str | None = None
    ) -> dict[str, Any]:
        """The event Stripe would POST about this session now: the documented fixture for
        `event_type` around the session's current state."""
        assert event_type in EVENT_FIXTURES
        with self._lock:
            event = event_build(event_type, self.sessions[session_id])
        if event_id:
            event["id"] = event_id
        return event

    # -- the API --------------------------------------------------------------------------------

    def session_create(self, params: dict[str, Any]) -> Answer:
        mode = params.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            return self._error(
                400, "Invalid mode: must be one of payment, setup, or subscription", param="mode"
            )
        items = params.get("line_items") or []
        if mode in ("payment", "subscription") and not items:
            return self._error(400, "You must provide at least one line item.", param="line_items")
        if mode == "subscription":
            return self._subscription_session_create(params, items)
        amount, currency = 0, ""
        for index, item in enumerate(items or []):
            price = item.get("price_data") or {}
            try:
                unit = int(price["unit_amount"])
                quantity = int(item.get("quantity", "1"))
            except (KeyError, ValueError):
                return self._error(
                    400,
                    "Missing required param: line_items[0][price_data].",
                    code="parameter_missing",
                    param=f"line_items[{index}][price_data]",
                )
            if not price.get("currency") or not (price.get("product_data") or {}).get("name"):
                return self._error(
                    400,
                    "Missing required param: currency or product_data[name].",
                    code="parameter_missing",
                    param=f"line_items[{index}]",
                )
            amount += unit * quantity
            currency = price["currency"].lower()
        return 200, self._session_new(params, mode=mode, amount=amount, currency=currency)

    def _subscription_session_create(
        self, params: dict[str, Any], items: list[dict[str, Any]]
    ) -> Answer:
        price = self.prices.get((items[0] or {}).get("price", ""))
        if len(items) != 1 or price is None or not price["recurring"]:
            return self._error(
                400,
                "line_items[0][price] must be a recurring price that exists.",
                code="resource_missing",
                param="line_items[0][price]",
            )
        customer = params.get("customer")
        if customer and customer not in self.customers:
            return self._error(404, f"No such customer: '{customer}'", code="resource_missing")
        data = params.get("subscription_data") or {}
        trial_end = int(data["trial_end"]) if data.get("trial_end") else None
        if trial_end is not None and trial_end < time.time() + TRIAL_END_MIN_SECONDS:
            return self._error(
                400,
                "subscription_data[trial_end] must be at least 48 hours in the future.",
                param="subscription_data[trial_end]",
            )
        quantity = int(items[0].get("quantity", "1"))
        session = self._session_new(
            params,
            mode="subscription",
            amount=0 if trial_end else price["unit_amount"] * quantity,
            currency=price["currency"],
        )
        session.update(customer=customer, customer_email=params.get("customer_email"))
        self.sessions[session["id"]].update(session)
        self._session_items[session["id"]] = {
            "price": price,
            "quantity": quantity,
            "trial_end": trial_end,
            "metadata": data.get("metadata") or {},
        }
        return 200, session

    def _session_new(
        self, params: dict[str, Any], *, mode: str, amount: int, currency: str
    ) -> dict[str, Any]:
        session_id = "cs_test_" + secrets.token_hex(28)
        now = int(time.time())
        session = {
            **fixture("checkout_session_completed.json")["data"]["object"],
            "id": session_id,
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer_details": None,
            "expires_at": now + 24 * 3600,
            "metadata": params.get("metadata") or {},
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"{self.url}/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return copy.deepcopy(session)

    def _post(self, path: str, params: dict[str, Any]) -> Answer:
        if path == "/v1/checkout/sessions":
            return self.session_create(params)
        if path == "/v1/prices":
            return self.price_create(params)
        if path == "/v1/customers":
            return self.customer_create(params)
        if path == "/v1/refunds":
            return self.refund_create(params)
        if path == "/v1/billing_portal/sessions":
            return self.portal_session_create(params, self.url)
        match = _OBJECT.match(path)
        if match and match["kind"] == "subscriptions" and match["id"] in self.subscriptions:
            return self.subscription_update(self.subscriptions[match["id"]], params)
        return self._missing(path, "POST")

    def _get(self, path: str, query: dict[str, Any]) -> Answer:
        if path == "/v1/prices":
            return self.price_list(query)
        if path == "/v1/invoice_payments":
            return self.invoice_payment_list(query)
        match = _OBJECT.match(path)
        if match is None:
            return self._missing(path, "GET")
        store = {
            "checkout/sessions": (self.sessions, "checkout.session"),
            "prices": (self.prices, "price"),
            "customers": (self.customers, "customer"),
            "subscriptions": (self.subscriptions, "subscription"),
            "invoices": (self.invoices, "invoice"),
        }[match["kind"]]
        found = store[0].get(match["id"])
        if found is None:
            return self._error(
                404,
                f"No such {store[1]}: '{match['id']}'",
                code="resource_missing",
                param="id",
            )
        return 200, self._expanded(copy.deepcopy(found), query.get("expand"))

    def _expanded(self, obj: dict[str, Any], expand: Any) -> dict[str, Any]:
        """Stripe's `expand[]` of top-level expandable fields: the id replaced by its object."""
        stores = {"latest_invoice": self.invoices, "customer": self.customers}
        for name in expand if isinstance(expand, list) else []:
            value = obj.get(name)
            if name in stores and isinstance(value, str) and value in stores[name]:
                obj[name] = copy.deepcopy(stores[name][value])
        return obj

    def _missing(self, path: str, method: str) -> Answer:
        match = _OBJECT.match(path)
        if match:
            return self._error(
                404, f"No such object: '{match['id']}'", code="resource_missing", param="id"
            )
        return self._error(404, f"Unrecognized request URL ({method}: {path}).")

    def handle(self, handler: "_Handler", method: str) -> Answer:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        path, _, query = handler.path.partition("?")
        params = form_decode(raw if method == "POST" else query)
        headers = {key.lower(): value for key, value in handler.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, params))
        if headers.get("authorization") != f"Bearer {self.secret_key}":
            return 401, {
                "error": {
                    "type": "invalid_request_error",
                    "message": "Invalid API Key provided: sk_test_****",
                }
            }
        with self._lock:
            if self._failures:
                return self._failures.pop(0)
            if method == "GET":
                return self._get(path, params)
            if method == "DELETE":
                match = _OBJECT.match(path)
                if match and match["kind"] == "subscriptions" and match["id"] in self.subscriptions:
                    return self.subscription_delete(self.subscriptions[match["id"]])
                return self._missing(path, method)
            key = headers.get("idempotency-key")
            if key and key in self._answers:
                body, status, payload = self._answers[key]
                if body != raw:
                    return 400, {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with "
                            "the same parameters they were first used with.",
                        }
                    }
                return status, copy.deepcopy(payload)
            status, payload = self._post(path, params)
            if key and status == 200:
                self._answers[key] = (raw, status, copy.deepcopy(payload))
            return status, payload

    # -- the hosted Checkout page ---------------------------------------------------------------

    def page(self, handler: "_Handler", method: str) -> tuple[int, str, dict[str, str]]:
        """(status, HTML, headers) for the payer's browser."""
        match = _PAGE.match(handler.path.partition("?")[0])
        with self._lock:
            session = copy.deepcopy(self.sessions.get(match["id"])) if match else None
        if session is None:
            return 404, "<h1>Not found</h1>", {}
        if session["status"] != "open":
            return 410, "<h1>This Checkout Session is no longer available.</h1>", {}
        if method == "POST":
            session = self.pay(session["id"])
            target = (session["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", session["id"])
            return 303, "", {"Location": target}
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        interval = ""
        if session["mode"] == "subscription":
            price = self._session_items[session["id"]]["price"]
            amount = f"{price['unit_amount'] / 100:.2f} {price['currency'].upper()}"
            interval = f" / {price['recurring']['interval']}"
        body = (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<title>Fake Stripe Checkout</title></head><body>"
            f'<h1>Fake Stripe Checkout</h1><p id="amount">{html.escape(amount + interval)}</p>'
            f'<form method="post" action="/c/pay/{session["id"]}">'
            '<button id="pay" type="submit">Pay</button></form>'
            f'<p><a id="cancel" href="{html.escape(session["cancel_url"] or "")}">Back</a></p>'
            "</body></html>"
        )
        return 200, body, {}


class _Handler(BaseHTTPRequestHandler):
    fake: "FakeStripe"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `requests`
        pass

    def _answer(self, method: str) -> None:
        if self.path.startswith("/c/pay/"):
            self._page(method)
            return
        status, payload = self.fake.handle(self, method)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        self.send_header("Stripe-Version", API_VERSION)
        self.end_headers()
        self.wfile.write(data)

    def _page(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, body, headers = self.fake.page(self, method)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._answer("POST")

    def do_GET(self) -> None:
        self._answer("GET")

    def do_DELETE(self) -> None:
        self._answer("DELETE")


FakeStripe.handler = _Handler
