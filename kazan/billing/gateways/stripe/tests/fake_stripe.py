"""A local fake of the part of Stripe's API that Checkout uses, speaking its wire format, for
tests that drive the official SDK against it.

    POST /v1/checkout/sessions          form-encoded with brackets (line_items[0][quantity]=1),
                                        Authorization: Bearer sk_…, optional Idempotency-Key
    200 {"id": "cs_test_…", "object": "checkout.session", "url": …, "status": "open", …}
    GET  /v1/checkout/sessions/{id}     the same object, as it is now
    4xx/5xx {"error": {"type": "invalid_request_error", "code": …, "message": …, "param": …}}

Like Stripe it checks the key, the mode and the line items, answers a repeated Idempotency-Key
with the first answer (and a different body under the same key with an idempotency_error), and
404s unknown sessions. Tests move a session on (`complete`, `expire`), build the webhook event
Stripe would send for it from the documented fixtures (`event_for`), and inject errors.
"""

import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl

from kazan.core.tests.fake_server import LocalFakeServer

SECRET_KEY = "sk_test_fake_0123456789abcdefghijklmnop"
WEBHOOK_SECRET = "whsec_fake_0123456789abcdefghijklmnopqrstuv"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_SESSION_PATH = re.compile(r"^/v1/checkout/sessions/(?P<id>[A-Za-z0-9_]+)$")
_KEY = re.compile(r"[^\[\]]+")
EVENT_FIXTURES = {
    "checkout.session.completed": "checkout_session_completed.json",
    "checkout.session.async_payment_succeeded": "checkout_session_async_payment_succeeded.json",
    "checkout.session.async_payment_failed": "checkout_session_async_payment_failed.json",
    "checkout.session.expired": "checkout_session_expired.json",
}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def form_decode(raw: str) -> dict:
    """Stripe's form encoding back into nested data: a[b][0][c]=v → {"a": {"b": [{"c": v}]}}."""
    root: dict = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        parts = _KEY.findall(key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    """Dicts keyed 0, 1, 2… (Stripe's array encoding) become lists."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict


@dataclass
class FakeStripe(LocalFakeServer):
    secret_key: str = SECRET_KEY
    requests: list[RecordedRequest] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[tuple[int, dict]] = []
        self._answers: dict[str, tuple[str, int, dict]] = {}  # idempotency key -> (body, answer)

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

    def complete(self, session_id: str, *, payment_status: str = "paid") -> dict:
        """The payer finished on Stripe's page."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status=payment_status,
                payment_intent="pi_" + secrets.token_hex(12),
                url=None,
            )
            return copy.deepcopy(session)

    def expire(self, session_id: str) -> dict:
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="expired", url=None)
            return copy.deepcopy(session)

    def event_for(self, session_id: str, event_type: str, *, event_id: str | None = None) -> dict:
        """The event Stripe would POST to the webhook: the documented fixture for `event_type`
        around this session's current state."""
        event = fixture(EVENT_FIXTURES[event_type])
        with self._lock:
            session = copy.deepcopy(self.sessions[session_id])
        event["data"]["object"] = {**event["data"]["object"], **session}
        event["id"] = event_id or "evt_" + secrets.token_hex(12)
        event["created"] = int(time.time())
        return event

    # -- the API --------------------------------------------------------------------------------

    def _error(self, status: int, message: str, *, code: str = "", param: str = "") -> tuple:
        error: dict = {"type": "invalid_request_error", "message": message}
        if code:
            error["code"] = code
        if param:
            error["param"] = param
        return status, {"error": error}

    def session_create(self, params: dict) -> tuple[int, dict]:
        mode = params.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            return self._error(
                400, "Invalid mode: must be one of payment, setup, or subscription", param="mode"
            )
        items = params.get("line_items")
        if mode == "payment" and not items:
            return self._error(400, "You must provide at least one line item.", param="line_items")
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
            "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        }
        with self._lock:
            self.sessions[session_id] = session
        return 200, copy.deepcopy(session)

    def handle(self, handler: "_Handler", method: str) -> tuple[int, dict]:
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
        if method == "POST" and path == "/v1/checkout/sessions":
            key = headers.get("idempotency-key")
            with self._lock:
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
                    return status, payload
            status, payload = self.session_create(params)
            if key and status == 200:
                with self._lock:
                    self._answers[key] = (raw, status, payload)
            return status, payload
        match = _SESSION_PATH.match(path)
        if method == "GET" and match:
            with self._lock:
                session = copy.deepcopy(self.sessions.get(match["id"]))
            if session is None:
                return self._error(
                    404,
                    f"No such checkout.session: '{match['id']}'",
                    code="resource_missing",
                    param="session",
                )
            return 200, session
        return self._error(404, f"Unrecognized request URL ({method}: {path}).")


class _Handler(BaseHTTPRequestHandler):
    fake: "FakeStripe"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests read `requests`, not stderr
        pass

    def _answer(self, method: str) -> None:
        status, payload = self.fake.handle(self, method)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        self.send_header("Stripe-Version", "2026-10-28.endive")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self._answer("POST")

    def do_GET(self):
        self._answer("GET")


FakeStripe.handler = _Handler
