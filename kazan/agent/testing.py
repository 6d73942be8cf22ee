"""A local fake of an OpenAI-compatible chat-completions server, for tests that drive the
official `openai` SDK against it (the LLM engine, the agent's end-to-end dialogs, agent_eval).

    POST /v1/chat/completions   JSON {"model", "messages", "tools"?, "temperature"?, …},
                                Authorization: Bearer <key>
    200 {"id": "chatcmpl-…", "object": "chat.completion", "created", "model",
         "choices": [{"index": 0, "message": {"role": "assistant", "content", "tool_calls"?},
                      "finish_reason": "stop" | "tool_calls"}],
         "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}
    4xx/5xx {"error": {"message", "type", "param", "code"}} (429 carries Retry-After)

Scripted by a queue of answers (`reply`, `tool_calls`, `error`, `slow`), or by a function of
the request that returns one; with neither it answers a plain "OK". Every request's JSON is
recorded in `.requests`, so a test can assert what the prompt contained.
"""

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from kazan.core.tests.fake_server import LocalFakeServer

API_KEY = "sk-fake-0123456789abcdefghijklmnop"

# What OpenAI answers for each status it uses (type, code, message).
ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("service_unavailable_error", "server_is_overloaded", "The server is overloaded."),
}


@dataclass
class Answer:
    """One scripted answer: a status with a JSON body, after `delay` seconds."""

    status: int
    body: dict[str, Any]
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def completion(
    *,
    content: str | None = None,
    tool_calls: list[tuple[str, dict[str, Any] | str]] | None = None,
    model: str = "gpt-4o-mini",
) -> dict[str, Any]:
    """A chat.completion object. `tool_calls` are (name, arguments): a dict is sent as its JSON
    string, a str as it is (so a test can send malformed arguments)."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": "call_" + secrets.token_hex(12),
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
            for name, arguments in tool_calls
        ]
    return {
        "id": "chatcmpl-" + secrets.token_hex(12),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49},
        "system_fingerprint": "fp_fake",
    }


def error_body(status: int, message: str | None = None, code: str | None = None) -> dict:
    kind, default_code, default_message = ERRORS.get(status, ("api_error", None, "Error."))
    return {
        "error": {
            "message": message or default_message,
            "type": kind,
            "param": None,
            "code": code if code is not None else default_code,
        }
    }


@dataclass
class FakeOpenAI(LocalFakeServer):
    api_key: str = API_KEY
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    # A function of the request's JSON that returns an Answer or a completion dict (or None:
    # the queue, then the default, answers).
    responder: Callable[[dict[str, Any]], Answer | dict[str, Any] | None] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Answer] = []

    # -- test controls --------------------------------------------------------------------------

    def reply(self, content: str) -> "FakeOpenAI":
        return self._push(Answer(200, completion(content=content)))

    def tool_calls(self, *calls: tuple[str, dict[str, Any] | str], content: str | None = None):
        return self._push(Answer(200, completion(content=content, tool_calls=list(calls))))

    def error(
        self,
        status: int,
        *,
        message: str | None = None,
        code: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> "FakeOpenAI":
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        for _ in range(times):
            self._push(Answer(status, error_body(status, message, code), headers=headers))
        return self

    def slow(self, seconds: float, content: str = "Too late") -> "FakeOpenAI":
        """An answer that comes after `seconds`: longer than the client's timeout, a timeout."""
        return self._push(Answer(200, completion(content=content), delay=seconds))

    def _push(self, answer: Answer) -> "FakeOpenAI":
        with self._lock:
            self._queue.append(answer)
        return self

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def prompts(self) -> list[str]:
        """Every message content of every request, as one text each: what left the platform."""
        with self._lock:
            return [
                json.dumps(request.get("messages", []), ensure_ascii=False)
                for request in self.requests
            ]

    # -- the API --------------------------------------------------------------------------------

    def handle(self, handler: "_Handler") -> Answer:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in handler.headers.items()}
        path = handler.path.partition("?")[0]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return Answer(400, error_body(400, "We could not parse the JSON body of your request."))
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
        if path != "/v1/chat/completions":
            return Answer(404, error_body(404, f"Invalid URL (POST {path})", "unknown_url"))
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return Answer(401, error_body(401))
        problem = self._invalid(body)
        if problem:
            return Answer(400, error_body(400, problem))
        if self.responder is not None:
            answered = self.responder(body)
            if isinstance(answered, Answer):
                return answered
            if answered is not None:
                return Answer(200, answered)
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        return Answer(200, completion(content="OK", model=body.get("model", "")))

    @staticmethod
    def _invalid(body: dict[str, Any]) -> str:
        """What OpenAI refuses before generating: no model, no messages, a tool message that
        answers no tool call of the assistant message before it."""
        if not body.get("model"):
            return "you must provide a model parameter"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "[] is too short - 'messages'"
        open_calls: set[str] = set()
        for message in messages:
            role = message.get("role")
            if role == "assistant":
                open_calls = {call["id"] for call in message.get("tool_calls") or []}
            elif role == "tool":
                if message.get("tool_call_id") not in open_calls:
                    return (
                        "Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'."
                    )
            elif role not in ("system", "developer", "user"):
                return f"Invalid value: '{role}'."
        return ""


class _Handler(BaseHTTPRequestHandler):
    fake: "FakeOpenAI"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests read `requests`, not stderr
        pass

    def do_POST(self):
        answer = self.fake.handle(self)
        if answer.delay:
            time.sleep(answer.delay)
        data = json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", "req_" + secrets.token_hex(8))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            pass


FakeOpenAI.handler = _Handler
