"""A local fake of OxaPay's v1 merchant API speaking its documented wire format, and the
callback helpers, for the tests of billing, wallet and the end-to-end use cases.

    POST /v1/payment/invoice      header merchant_api_key, JSON {amount, currency, lifetime,
                                  fee_paid_by_payer, under_paid_coverage, callback_url,
                                  return_url, email, order_id, description, sandbox, …}
    200 {"data": {"track_id", "payment_url", "expired_at", "date"}, "message": "Operation
         completed successfully!", "error": {}, "status": 200, "version": "1.0.0"}
    GET  /v1/payment/{track_id}   header merchant_api_key (the key that made the invoice)
    200 {"data": {"track_id", "type": "invoice", "amount", "currency", "status", "order_id",
         "callback_url", "return_url", "description", "lifetime", "expired_at", "date", "txs",
         …}, …}
    4xx/5xx {"data": {}, "message", "error": {"type", "key", "message"}, "status", "version"}

Like OxaPay it checks the key (401), the amount and the lifetime (400), and 404s a track id the
key did not make. Tests move an invoice on (`status_set`), build the callback OxaPay would post
for it (`callback_for`), and inject failures (`fail_next`).

    with FakeOxaPay() as fake:
        oxapay_configure(settings, fake)
        ...
        body = fake.callback_for(track_id)       # after fake.status_set(track_id, "Paid")
        callback_post(client, body, MERCHANT_KEY)
"""

import copy
import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler
from typing import Any

from django.test import Client

from kazan.billing.gateways.oxapay.callbacks import SIGNATURE_HEADER, signature
from kazan.core.tests.fake_server import LocalFakeServer

MERCHANT_KEY = "OXA-FAKE-PLATFORM-0123456789ABCDEF"
VERSION = "1.0.0"
CALLBACK_PATH = "/hooks/oxapay/"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: dict[str, Any] | None


def envelope(
    data: dict[str, Any],
    *,
    status: int = 200,
    message: str = "",
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "data": data,
        "message": message or ("Operation completed successfully!" if status == 200 else ""),
        "error": error or {},
        "status": status,
        "version": VERSION,
    }


def error_body(
    status: int, key: str, message: str, *, type: str = "invalid_request"
) -> dict[str, Any]:
    return envelope(
        {}, status=status, message=message, error={"type": type, "key": key, "message": message}
    )


@dataclass
class FakeOxaPay(LocalFakeServer):
    # Merchant keys OxaPay knows (the platform's and any business's a test adds).
    keys: set[str] = field(default_factory=lambda: {MERCHANT_KEY})
    requests: list[RecordedRequest] = field(default_factory=list)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[tuple[int, dict[str, Any]]] = []
        self._next_track = 184747700

    # -- test controls --------------------------------------------------------------------------

    def fail_next(self, *, status: int = 500, key: str = "internal_error", times: int = 1) -> None:
        with self._lock:
            self._failures += [
                (status, error_body(status, key, "Injected failure", type="server_error"))
                for _ in range(times)
            ]

    def creates(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def status_set(
        self, track_id: str, status: str, *, paid_currency: str = "USDT"
    ) -> dict[str, Any]:
        """The invoice moves on ("Paying", "Paid", "Expired", …); a paying/paid one gets a
        transaction for its amount."""
        with self._lock:
            invoice = self.invoices[track_id]
            invoice["status"] = status
            if (
                status.lower() in ("paying", "confirming", "paid", "manual_accept")
                and not invoice["txs"]
            ):
                invoice["txs"].append(
                    {
                        "status": "confirmed" if status.lower() == "paid" else "confirming",
                        "tx_hash": f"0x{int(track_id):064x}",
                        "sent_amount": invoice["amount"],
                        "received_amount": invoice["amount"],
                        "value": invoice["amount"],
                        "sent_value": invoice["amount"],
                        "currency": paid_currency,
                        "network": "Tron Network",
                        "address": "TXfakeAddress000000000000000000000",
                        "sender_address": "TXfakeSender0000000000000000000000",
                        "rate": 1,
                        "confirmations": 1,
                        "date": int(time.time()),
                    }
                )
            return copy.deepcopy(invoice)

    def callback_for(self, track_id: str, **changes: Any) -> bytes:
        """The raw JSON body OxaPay posts to the invoice's callback_url for its current state;
        `changes` override fields (e.g. amount=1 for a tampered body)."""
        with self._lock:
            invoice = copy.deepcopy(self.invoices[track_id])
        fields = {
            "track_id": track_id,
            "status": invoice["status"],
            "amount": invoice["amount"],
            "currency": invoice["currency"],
            "order_id": invoice["order_id"],
            "description": invoice["description"],
            "txs": invoice["txs"],
        }
        return callback_body(**{**fields, **changes})

    def key_of(self, track_id: str) -> str:
        """The merchant key the invoice was made with (what signs its callbacks)."""
        with self._lock:
            return str(self.invoices[track_id]["_key"])

    # -- the API --------------------------------------------------------------------------------

    def invoice_create(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            amount = Decimal(str(body.get("amount")))
        except InvalidOperation:
            amount = Decimal(0)
        if not amount.is_finite() or amount <= 0 or isinstance(body.get("amount"), bool):
            return 400, error_body(400, "amount", "The amount field is required.")
        lifetime = body.get("lifetime", 60)
        if not isinstance(lifetime, int) or not 15 <= lifetime <= 2880:
            return 400, error_body(400, "lifetime", "The lifetime must be between 15 and 2880.")
        currency = body.get("currency") or "USD"
        if not isinstance(currency, str) or not currency.isalpha():
            return 400, error_body(400, "currency", "The selected currency is invalid.")
        now = int(time.time())
        with self._lock:
            self._next_track += 1
            track_id = str(self._next_track)
            self.invoices[track_id] = {
                "_key": key,
                "track_id": track_id,
                "type": "invoice",
                "amount": float(amount),
                "currency": currency.upper(),
                "status": "new",
                "mixed_payment": bool(body.get("mixed_payment", False)),
                "callback_url": body.get("callback_url", ""),
                "return_url": body.get("return_url", ""),
                "description": body.get("description", ""),
                "email": body.get("email", ""),
                "fee_paid_by_payer": body.get("fee_paid_by_payer", 0),
                "under_paid_coverage": body.get("under_paid_coverage", 0),
                "lifetime": lifetime,
                "order_id": body.get("order_id", ""),
                "thanks_message": "",
                "sandbox": bool(body.get("sandbox", False)),
                "expired_at": now + lifetime * 60,
                "date": now,
                "txs": [],
            }
        return 200, envelope(
            {
                "track_id": track_id,
                "payment_url": f"https://pay.oxapay.com/13355581/{track_id}",
                "expired_at": now + lifetime * 60,
                "date": now,
            }
        )

    def invoice_info(self, key: str, track_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            invoice = copy.deepcopy(self.invoices.get(track_id))
        if invoice is None or invoice.pop("_key") != key:
            return 404, error_body(404, "track_id", "Payment not found.", type="not_found")
        invoice.pop("sandbox")
        return 200, envelope(invoice)

    def handle(self, handler: "_Handler", method: str) -> tuple[int, dict[str, Any]]:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(RecordedRequest(method, handler.path, headers, body))
        key = headers.get("merchant_api_key", "")
        if key not in self.keys:
            return 401, error_body(
                401, "merchant_api_key", "Invalid merchant API key.", type="unauthorized"
            )
        with self._lock:
            if self._failures:
                return self._failures.pop(0)
        if method == "POST" and handler.path == "/v1/payment/invoice":
            if not isinstance(body, dict):
                return 400, error_body(400, "body", "The request body must be JSON.")
            return self.invoice_create(key, body)
        if method == "GET" and handler.path.startswith("/v1/payment/"):
            return self.invoice_info(key, handler.path.removeprefix("/v1/payment/"))
        return 404, error_body(404, "path", "Not found.", type="not_found")


class _Handler(BaseHTTPRequestHandler):
    fake: "FakeOxaPay"
    protocol_version = "HTTP/1.1"

    def log_message(
        self, format: str, *args: Any
    ) -> None:  # quiet: tests read `requests`, not stderr
        pass

    def _answer(self, method: str) -> None:
        status, payload = self.fake.handle(self, method)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._answer("POST")

    def do_GET(self) -> None:
        self._answer("GET")


FakeOxaPay.handler = _Handler


# -- callbacks ----------------------------------------------------------------------------------


def callback_body(
    *,
    track_id: str,
    status: str,
    amount: float | int | str,
    currency: str = "USD",
    order_id: str = "",
    description: str = "",
    txs: list[dict[str, Any]] | None = None,
    type: str = "invoice",
    **extra: Any,
) -> bytes:
    """The raw JSON OxaPay posts for an invoice's status change (its documented fields)."""
    payload = {
        "track_id": track_id,
        "status": status,
        "type": type,
        "module_name": "OxaPay",
        "amount": amount,
        "value": amount,
        "currency": currency,
        "order_id": order_id,
        "email": "",
        "note": "",
        "fee_paid_by_payer": 0,
        "under_paid_coverage": 0,
        "description": description,
        "date": int(time.time()),
        "txs": txs or [],
        **extra,
    }
    return json.dumps(payload).encode()


def callback_headers(body: bytes, key: str) -> dict[str, str]:
    """The headers OxaPay sends with `body` (for the test client's `headers=`)."""
    return {SIGNATURE_HEADER: signature(body, key)}


def callback_post(client: Client, body: bytes, key: str, *, hook_key: str = "") -> Any:
    """POSTs `body` to the callback URL (the platform's, or a business account's by its hook
    key) signed with `key`, the way OxaPay does; returns the test client's response."""
    path = f"{CALLBACK_PATH}{hook_key}/" if hook_key else CALLBACK_PATH
    return client.post(
        path, data=body, content_type="application/json", headers=callback_headers(body, key)
    )


def oxapay_configure(settings: Any, fake: FakeOxaPay, *, key: str = MERCHANT_KEY) -> None:
    """Points the app at the fake with `key` as the platform's merchant key (pytest-django's
    `settings` fixture restores everything after the test)."""
    settings.OXAPAY_API_URL = fake.url
    settings.OXAPAY_MERCHANT_API_KEY = key
    settings.PUBLIC_URL = "https://kazan.example"
