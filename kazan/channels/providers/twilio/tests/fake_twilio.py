"""A local fake of Twilio's Messages API, speaking its wire format, for tests that drive the
official SDK (and worker subprocesses) against it.

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (form-encoded, HTTP basic auth)
    201 {"sid": "SM…", "status": "queued", "to": …, …}      the Message resource
    4xx/5xx {"code": 21211, "message": …, "more_info": …, "status": 400}
    GET  /2010-04-01/Accounts/{AccountSid}.json            the Account resource
    GET  /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json?PhoneNumber=…
                                                            a page of IncomingPhoneNumber resources
    GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json   a Message resource

Like Twilio it checks the credentials and the parameters (21604/21211/21602/21603/21617),
refuses unsubscribed recipients (21610), and answers a repeated I-Twilio-Idempotency-Token with
the first answer instead of creating a second message. For tests it records every request
(headers included), and injects failures: an error answer, a dropped connection, or a hang after
the message was accepted (a worker can be killed mid-call).
"""

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from kazan.core.tests.fake_server import LocalFakeServer

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})/Messages\.json$")
_ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})\.json$")
_NUMBERS_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})/IncomingPhoneNumbers\.json$"
)
_MESSAGE_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})/Messages/(?P<message>\w+)\.json$"
)
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]

    @property
    def idempotency_token(self) -> str | None:
        return self.headers.get(IDEMPOTENCY_HEADER.lower())


@dataclass
class _Failure:
    kind: str  # "error" | "disconnect" | "hang"
    status: int = 500
    code: int | None = None
    message: str = ""
    seconds: float = 0.0


@dataclass
class FakeTwilio(LocalFakeServer):
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[str, dict] = field(default_factory=dict)
    unsubscribed: set[str] = field(default_factory=set)
    # The account's own numbers (IncomingPhoneNumbers), E.164.
    numbers: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._answers: dict[str, tuple[int, dict]] = {}  # idempotency token -> first answer
        self._release = threading.Event()
        self.hanging = threading.Event()  # set once a request is held by `hang_next`

    # -- lifecycle ------------------------------------------------------------------------------

    def stop(self) -> None:
        self._release.set()
        super().stop()

    # -- failure injection ----------------------------------------------------------------------

    def fail_next(
        self, *, status: int = 500, code: int | None = None, message: str = "", times: int = 1
    ) -> None:
        """The next `times` requests get this error answer (nothing is created)."""
        with self._lock:
            self._failures += [_Failure("error", status, code, message) for _ in range(times)]

    def disconnect_next(self, *, times: int = 1) -> None:
        """The next `times` requests are read and the connection dropped without an answer."""
        with self._lock:
            self._failures += [_Failure("disconnect") for _ in range(times)]

    def hang_next(self, *, seconds: float = 30.0) -> None:
        """The next request creates the message, then the answer is held back `seconds` (or
        until stop()): the caller can be killed while Twilio has already accepted the SMS."""
        with self._lock:
            self._failures.append(_Failure("hang", seconds=seconds))

    # -- what happened --------------------------------------------------------------------------

    def sends(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    # -- the API --------------------------------------------------------------------------------

    def _next_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _error(self, status: int, code: int, message: str) -> tuple[int, dict]:
        return status, {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def create_message(self, account_sid: str, form: dict[str, str]) -> tuple[int, dict]:
        to = form.get("To", "")
        sender = form.get("From", "")
        service = form.get("MessagingServiceSid", "")
        body = form.get("Body", "")
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            return self._error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not sender and not service:
            return self._error(
                400,
                21603,
                "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
            )
        if not body:
            return self._error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return self._error(400, 21617, "The concatenated message body exceeds 1600 characters.")
        if to in self.unsubscribed:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        resource = {
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not sender else "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"
            },
            "to": to,
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }
        with self._lock:
            self.messages[sid] = {**resource, "status_callback": form.get("StatusCallback")}
        return 201, resource

    def handle_post(self, handler: "_Handler") -> tuple[int, dict] | None:
        """Returns (status, json) to answer, or None to drop the connection."""
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        form = {key: values[-1] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        headers = {key.lower(): value for key, value in handler.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest("POST", handler.path, headers, form))
        match = _PATH.match(handler.path.split("?", 1)[0])
        if match is None:
            return self._error(404, 20404, "The requested resource was not found")
        if not self._authorized(handler, match["sid"]):
            return self._error(401, 20003, "Authenticate")
        token = headers.get(IDEMPOTENCY_HEADER.lower())
        with self._lock:
            if token and token in self._answers:
                return self._answers[token]
        failure = self._next_failure()
        if failure is not None and failure.kind == "error":
            code = failure.code or (20429 if failure.status == 429 else 20500)
            return self._error(failure.status, code, failure.message or "Injected failure")
        if failure is not None and failure.kind == "disconnect":
            return None
        answer = self.create_message(match["sid"], form)
        if token and 200 <= answer[0] < 300:
            with self._lock:
                self._answers[token] = answer
        if failure is not None and failure.kind == "hang":
            self.hanging.set()
            self._release.wait(failure.seconds)
        return answer

    def handle_get(self, handler: "_Handler") -> tuple[int, dict]:
        path, _, query = handler.path.partition("?")
        headers = {key.lower(): value for key, value in handler.headers.items()}
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        with self._lock:
            self.requests.append(RecordedRequest("GET", handler.path, headers, params))
        for pattern, answer in (
            (_ACCOUNT_PATH, self._account),
            (_NUMBERS_PATH, self._incoming_numbers),
            (_MESSAGE_PATH, self._message),
        ):
            if (match := pattern.match(path)) is not None:
                if not self._authorized(handler, match["sid"]):
                    return self._error(401, 20003, "Authenticate")
                return answer(match, params)
        return self._error(404, 20404, "The requested resource was not found")

    def _account(self, match, params) -> tuple[int, dict]:
        sid = match["sid"]
        return 200, {
            "sid": sid,
            "owner_account_sid": sid,
            "friendly_name": "Fake account",
            "status": "active",
            "type": "Full",
            "date_created": formatdate(usegmt=True).replace("GMT", "+0000"),
            "uri": f"/2010-04-01/Accounts/{sid}.json",
        }

    def _incoming_numbers(self, match, params) -> tuple[int, dict]:
        sid = match["sid"]
        wanted = params.get("PhoneNumber")
        with self._lock:
            numbers = sorted(n for n in self.numbers if wanted in (None, n))
        uri = f"/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"
        return 200, {
            "incoming_phone_numbers": [
                {
                    "account_sid": sid,
                    "sid": "PN" + format(abs(hash(number)), "032x")[:32],
                    "phone_number": number,
                    "friendly_name": number,
                    "capabilities": {"sms": True, "mms": False, "voice": True},
                    "uri": f"{uri[:-5]}/PN.json",
                }
                for number in numbers
            ],
            "start": 0,
            "end": max(len(numbers) - 1, 0),
            "page": 0,
            "page_size": 50,
            "first_page_uri": f"{uri}?PageSize=50&Page=0",
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": f"{uri}?PageSize=50&Page=0",
        }

    def _message(self, match, params) -> tuple[int, dict]:
        with self._lock:
            message = self.messages.get(match["message"])
        return (200, message) if message else self._error(404, 20404, "Not found")

    def _authorized(self, handler: "_Handler", path_sid: str) -> bool:
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid == path_sid and password == self.auth_token


class _Handler(BaseHTTPRequestHandler):
    fake: "FakeTwilio"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests read `requests`, not stderr
        pass

    def do_POST(self):
        answer = self.fake.handle_post(self)
        if answer is None:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        status, payload = answer
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Twilio-Request-Id", "RQ" + secrets.token_hex(16))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller was killed while we held the answer back

    def do_GET(self):
        status, payload = self.fake.handle_get(self)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


FakeTwilio.handler = _Handler
