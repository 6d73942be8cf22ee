"""The LLM engine: any OpenAI-compatible chat-completions server through the official `openai`
SDK, with the agent's tools as function calls (seed 002: RAG → LLM → function call → format).

One turn: the prompt (`prompt.py`: system prompt with guardrails and the retrieved products and
FAQs, the scrubbed memory, the customer's message), then up to N rounds of tool calls executed
through `tool_call` (scoped, validated, logged) and fed back, then the model's final text. The
replies are the text plus what the shared formatting makes of the tool results (product cards,
the cart, payment and registration links), so both engines show results the same way.

When the server cannot answer (timeout, 429, 5xx, a bad key, a broken answer) the turn is
answered by the local engine instead, and a line without personal data is logged.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import re
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import openai
from django.conf import settings as django_settings

from kazan.agent.engines import prompt
from kazan.agent.engines.base import (
    AgentEngine,
    AgentOutcome,
    AgentTurn,
    ExecutedCall,
    engine_get,
    engine_register,
)
from kazan.agent.engines.llm_replies import replies_for_calls
from kazan.agent.error_codes import AgentErrorCode
from kazan.agent.tools import ToolResult, ToolScope, tool_call, tools_openai_schema
from kazan.agent.tools.talk import first_name

if TYPE_CHECKING:
    from kazan.agent.models import AgentSettings

log = logging.getLogger(__name__)

OPENAI_HOST = "api.openai.com"
# A key for servers that need none (a local Ollama, vLLM): the SDK insists on one.
NO_KEY = "not-needed"
# Response speed (seed 002): how long a completion may take and how many rounds of tool calls.
SPEEDS = {"fast": (0.5, 2), "balanced": (1.0, 4), "quality": (1.5, 6)}


class LlmUnavailable(Exception):
    """The server did not give a usable answer; `reason` is safe to log (no personal data)."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclasses.dataclass(frozen=True)
class Endpoint:
    base_url: str | None  # None: OpenAI's
    api_key: str
    model: str

    @property
    def is_openai(self) -> bool:
        return self.base_url is None or urlsplit(self.base_url).hostname == OPENAI_HOST


def endpoint_for(settings: AgentSettings) -> Endpoint | None:
    """Where this business's completions go: its own server and key when it set a base URL,
    OpenAI with its own key when it set only a key, else the platform's server
    (AGENT_LLM_BASE_URL / AGENT_LLM_API_KEY / AGENT_LLM_MODEL). None: nothing configured."""
    model = (settings.model or "").strip() or django_settings.AGENT_LLM_MODEL
    if settings.base_url:
        return Endpoint(settings.base_url, settings.api_key or NO_KEY, model)
    if settings.api_key:
        return Endpoint(None, settings.api_key, model)
    base_url = django_settings.AGENT_LLM_BASE_URL or None
    key = django_settings.AGENT_LLM_API_KEY
    if not key and base_url is None:
        return None
    return Endpoint(base_url, key or NO_KEY, model)


def host_is_private(host: str, *, resolve: bool = False) -> bool:
    """A loopback, private or link-local address, or a local name; with `resolve`, also a
    name that resolves to one (the business's own server is checked before each turn, so a
    public name later pointed at the platform's network is refused too)."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    candidates = [host]
    if resolve:
        try:
            candidates += [str(info[4][0]) for info in socket.getaddrinfo(host, None)]
        except OSError:
            return False  # unresolvable: the request fails on its own
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if address.is_private or address.is_loopback or address.is_link_local:
            return True
    return False


def llm_configured(settings: AgentSettings) -> bool:
    return endpoint_for(settings) is not None


def client_for(endpoint: Endpoint, settings: AgentSettings) -> openai.OpenAI:
    """No retries: a customer is waiting, and the local engine answers at once instead."""
    factor, _rounds = SPEEDS.get(settings.speed, SPEEDS["balanced"])
    return openai.OpenAI(
        api_key=endpoint.api_key,
        base_url=endpoint.base_url,
        timeout=float(django_settings.AGENT_LLM_TIMEOUT_SECONDS) * factor,
        max_retries=0,
    )


def sampling(endpoint: Endpoint, settings: AgentSettings) -> dict[str, Any]:
    """temperature, top-p and the length limit; top-k only for servers that accept it (not
    part of OpenAI's API, so never sent there)."""
    params: dict[str, Any] = {
        "temperature": float(settings.temperature),
        "top_p": float(settings.top_p),
    }
    if endpoint.is_openai:
        params["max_completion_tokens"] = settings.max_tokens
    else:
        params["max_tokens"] = settings.max_tokens
        if settings.top_k:
            params["extra_body"] = {"top_k": settings.top_k}
    return params


def _for_model(result: ToolResult, scope: ToolScope) -> str:
    """A tool's result as the model reads it: scrubbed, and without links (the customer gets
    them as link replies, the model must not rewrite them)."""

    def clean(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            if key.endswith("url") or value.startswith(("http://", "https://")):
                return "[link sent to the customer]"
            return prompt.scrub(value, scope.customer)
        return value

    body: dict[str, Any] = {"ok": result.ok, "data": clean(result.data)}
    if not result.ok:
        body["error"] = result.error_code
        body["message"] = prompt.scrub(result.message, scope.customer)
    return json.dumps(body, ensure_ascii=False, default=str)


def _arguments(raw: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class LlmEngine:
    key = "llm"

    def configured(self, settings: AgentSettings) -> bool:
        """engine_for asks before counting an AI message: a server to talk to exists."""
        return llm_configured(settings)

    def respond(self, turn: AgentTurn) -> AgentOutcome:
        calls: list[ExecutedCall] = []
        try:
            return self.converse(turn, calls)
        except LlmUnavailable as exc:
            log.warning(
                "agent llm unavailable, the local engine answers",
                extra={
                    "business_id": turn.scope.business.pk,
                    "reason": exc.reason,
                    "status": exc.status,
                },
            )
            if calls:  # tools already ran (a cart changed): show their results, do not redo
                return AgentOutcome(replies=replies_for("", calls, turn), calls=calls)
            return local_engine().respond(turn)

    def converse(self, turn: AgentTurn, calls: list[ExecutedCall]) -> AgentOutcome:
        settings = turn.settings
        endpoint = endpoint_for(settings)
        if endpoint is None:
            raise LlmUnavailable("not_configured")
        if (
            settings.base_url
            and not django_settings.AGENT_LLM_ALLOW_PRIVATE_URLS
            and host_is_private(urlsplit(settings.base_url).hostname or "", resolve=True)
        ):
            raise LlmUnavailable("private_address")
        scope = dataclasses.replace(turn.scope, engine=self.key)
        language = scope.language or scope.business.language
        client = client_for(endpoint, settings)
        _factor, rounds = SPEEDS.get(settings.speed, SPEEDS["balanced"])
        rounds = min(rounds, int(django_settings.AGENT_LLM_MAX_TOOL_ROUNDS))
        text = prompt.scrub(turn.text, scope.customer)[: prompt.MESSAGE_CHARS]
        # The thread's last messages (the agent step reads them from the log, without the
        # team's internal notes; agent_eval and the test box pass their own).
        history = turn.history
        messages: list[dict[str, Any]] = [
            {
                "role": "system",
                "content": prompt.system_prompt(
                    business=scope.business,
                    settings=settings,
                    language=language,
                    first_name=first_name(scope),
                    context=prompt.retrieval_context(
                        business=scope.business, text=turn.text, language=language
                    ),
                ),
            },
            *prompt.memory(
                history, limit=settings.memory_messages, current=turn.text, customer=scope.customer
            ),
            {"role": "user", "content": text},
        ]
        tools = tools_openai_schema()
        for round_number in range(rounds + 1):
            last = round_number == rounds
            message = self._complete(client, endpoint, settings, messages, tools, last=last)
            requested = [c for c in (message.tool_calls or []) if c.type == "function"]
            if not requested or last:
                content = links_checked(message.content or message.refusal or "", messages)
                if not content and not calls:
                    raise LlmUnavailable("empty_answer")
                replies = replies_for(content, calls, turn)
                return AgentOutcome(replies=replies, calls=calls, understood=bool(replies))
            messages.append(
                {
                    "role": "assistant",
                    "content": message.content,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {
                                "name": c.function.name,
                                "arguments": c.function.arguments,
                            },
                        }
                        for c in requested
                    ],
                }
            )
            for requested_call in requested:
                name = requested_call.function.name
                arguments = _arguments(requested_call.function.arguments)
                if arguments is None:
                    result = ToolResult(
                        False, {}, AgentErrorCode.TOOL_ARGUMENTS, "arguments are not a JSON object"
                    )
                else:
                    result = tool_call(scope=scope, name=name, arguments=arguments)
                calls.append(ExecutedCall(name, arguments or {}, result))
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": requested_call.id,
                        "content": _for_model(result, scope),
                    }
                )
        raise LlmUnavailable("no_answer")  # pragma: no cover - the last round always returns

    def _complete(
        self,
        client: openai.OpenAI,
        endpoint: Endpoint,
        settings: AgentSettings,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        *,
        last: bool,
    ) -> Any:
        """One completion; the last round may not call tools any more (tool_choice none)."""
        # The SDK's overloads type each message shape; these dicts are the wire format itself.
        create: Any = client.chat.completions.create
        try:
            completion = create(
                model=endpoint.model,
                messages=messages,
                tools=tools,
                tool_choice="none" if last else "auto",
                **sampling(endpoint, settings),
            )
        except openai.APITimeoutError as exc:
            raise LlmUnavailable("timeout") from exc
        except openai.APIStatusError as exc:
            raise LlmUnavailable(f"status_{exc.status_code}", exc.status_code) from exc
        except openai.APIError as exc:  # connection refused, a body that is not a completion
            raise LlmUnavailable(type(exc).__name__) from exc
        if not getattr(completion, "choices", None):
            raise LlmUnavailable("no_choices")
        return completion.choices[0].message


_URL = re.compile(r"https?://[^\s<>()\[\]\"']+")


def links_checked(text: str, messages: list[dict[str, Any]]) -> str:
    """The model's text without links it made up: only an address that was in what it was
    given (an FAQ answer's link) stays. Payment, registration and data links reach the
    customer as link replies from the tool results, never through the model's words."""
    given = " ".join(str(m.get("content") or "") for m in messages)
    return _URL.sub(
        lambda match: match.group(0) if match.group(0) in given else "", text.strip()
    ).strip()


def replies_for(text: str, calls: list[ExecutedCall], turn: AgentTurn) -> list[dict[str, Any]]:
    """The model's text first, then what the shared formatting shows for the tool results."""
    replies: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    return replies + replies_for_calls(calls, scope=turn.scope, with_text=not text)


def local_engine() -> AgentEngine:
    engine = engine_get("local")
    if engine is None:  # pragma: no cover - registered by AgentConfig.ready()
        from kazan.agent.engines.local import LocalEngine

        engine = engine_register(LocalEngine())
    return engine


engine_register(LlmEngine())
