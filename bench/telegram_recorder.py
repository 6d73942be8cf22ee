"""The bench's stand-in for the Telegram Bot API: an asyncio (aiohttp) server in the load
generator's own event loop that answers every call the way the Bot API answers it
(`{"ok": true, "result": …}`: a Message for the send/edit methods, `true` for the others, the bot
for getMe) and notes the moment each message for a chat arrives.

The tests' fake (`kazan/channels/providers/telegram/testing.FakeBotApi`) checks every payload
against the documented limits in a thread per request; here the point is to timestamp replies
without the recorder competing for the GIL with the load generator, so both share one loop and
a reply wakes the simulated user waiting for it at once.
"""

import asyncio
import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# The methods that put a message in a chat (what a user "reads").
MESSAGE_METHODS = frozenset({"sendMessage", "editMessageText", "sendDocument", "sendPhoto"})


@dataclass
class Arrival:
    at: float  # time.perf_counter() when the call reached the recorder
    method: str
    text: str
    payload: dict[str, Any]


@dataclass
class BotRecorder:
    """Start with `await recorder.start(port)`; `await recorder.next_reply(chat_id, after)`
    waits for the first message to `chat_id` that arrived after `after`."""

    bot_username: str = "kazan_bench_bot"
    arrivals: dict[int, list[Arrival]] = field(default_factory=lambda: defaultdict(list))
    calls: int = 0
    _waiters: dict[int, list[asyncio.Future[Arrival]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    async def start(self, port: int) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port, backlog=4096).start()
        return f"http://127.0.0.1:{port}/bot"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            data = await request.json()
            return data if isinstance(data, dict) else {}
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    async def _handle(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        self.calls += 1
        method = request.match_info["method"]
        params = await self._params(request)
        result: Any = True
        if method == "getMe":
            bot_id = int(request.match_info["token"].split(":", 1)[0])
            result = {
                "id": bot_id,
                "is_bot": True,
                "first_name": "Kazan Bench",
                "username": f"{self.bot_username}_{bot_id}",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        elif method == "getWebhookInfo":
            result = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        elif method in MESSAGE_METHODS:
            chat_id = int(params.get("chat_id") or 0)
            text = str(params.get("text") or params.get("caption") or "")
            arrival = Arrival(at, method, text, params)
            self.arrivals[chat_id].append(arrival)
            for waiter in self._waiters.pop(chat_id, []):
                if not waiter.done():
                    waiter.set_result(arrival)
            result = {
                "message_id": params.get("message_id") or next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            }
        return web.json_response({"ok": True, "result": result})

    async def next_reply(self, chat_id: int, after: float, timeout: float = 60) -> Arrival:
        """The first message to `chat_id` that arrived at or after `after` (perf_counter)."""
        for arrival in self.arrivals.get(chat_id, ()):
            if arrival.at >= after:
                return arrival
        waiter: asyncio.Future[Arrival] = asyncio.get_running_loop().create_future()
        self._waiters[chat_id].append(waiter)
        return await asyncio.wait_for(waiter, timeout)

    def replies(self, chat_id: int) -> list[Arrival]:
        return list(self.arrivals.get(chat_id, ()))
