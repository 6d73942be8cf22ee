"""`python -m bench --only telegram`: the Telegram CRM's numbers (seed 004 §4.1, issue 13).

Everything runs against the real stack: granian serving the app (as the other web benches), two
`db_worker` processes running the inbound and outbox tasks, PostgreSQL and Redis; only Telegram
itself is replaced, by an asyncio recorder of the Bot API (bench/telegram_recorder.py) that every
bot of the bench is connected to (getMe, setWebhook through the channel's own connect service)
and that timestamps each message a chat receives.

1. **Updates ingested per second** (`wrk`, like bench/webhook.py): distinct `Update` objects
   (unique update_id, a text message each, Telegram's documented payload) POSTed to a bot's
   webhook with its secret token; verified, stored and queued, answered 200. No worker runs;
   afterwards every 200 must have its stored event and its task ("none lost"). Baseline: the
   bare Django view, same server, same run.
2. **Webhook-to-reply latency under load**: updates arrive open-loop at `--tg-rate` a second
   spread over `--tg-bots` bots (each chat writes at most every two seconds: Telegram's 1 msg/s
   per chat holds); the time from the POST leaving the client to the bot's reply reaching the
   (fake) Bot API is measured per update: webhook → stored → worker → conversation → outbox →
   sendMessage. p50/p99 against the seed's target (< 1 s).
3. **1,000 concurrent simulated users**: `--tg-users` distinct chats start the bot and go
   through the first steps of the registration form at once, each user answering as soon as the
   previous answer arrives; per-step latency p50/p99, turns a second, and whether every user
   finished.
4. **A broadcast paced at 10 msg/s**: the campaigns' Telegram broadcast pacing
   (CRM_BROADCAST_PER_SECOND) with a sender that returns at once; the measured rate against the
   target (±5 %). `--tg-broadcast 10000` sends the seed's full 10,000 (1,000 s at 10/s); the
   default 600 (one minute) measures the same pacing in a minute.

The Telegram flood limits stay on (30 msg/s per bot, 1 msg/s per chat): the figures are what a
business's bot would see, and several bots share the workers as they would on the platform.
"""

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p99) of `values` (0, 0 when there are none)."""
    if not values:
        return 0.0, 0.0
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[98]


@dataclass(frozen=True)
class LatencyResult:
    name: str
    latencies_ms: list[float]
    sent: int
    seconds: float

    def row(self, target_ms: float) -> str:
        p50, p99 = percentiles(self.latencies_ms)
        answered = len(self.latencies_ms)
        met = "yes" if answered == self.sent and p99 < target_ms else "**no**"
        return (
            f"| {self.name} | {self.sent / self.seconds:,.1f} | {answered:,} / {self.sent:,} "
            f"| {p50:.0f} | {p99:.0f} | {met} |"
        )


LATENCY_HEADER = (
    "| load | updates/s sent | replies received | p50 ms | p99 ms | p99 < 1 s, none lost |\n"
    "| --- | ---: | ---: | ---: | ---: | --- |"
)


def workers_start(count: int, env: dict[str, str]) -> list[subprocess.Popen]:
    """`count` real `db_worker` processes on every queue (the inbound and outbox tasks)."""
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.05"]
    return [
        subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()


def _tmp_path(name: str) -> Path:
    path = Path(os.environ.get("KAZAN_DATA_DIR", "/tmp")) / "bench-telegram"
    path.mkdir(parents=True, exist_ok=True)
    return path / name


async def _open_loop(
    *, rate: float, seconds: float, fire: Callable[[int], Awaitable[None]]
) -> float:
    """Calls `fire(n)` `rate` times a second for `seconds` (each as its own task, so a slow
    answer never delays the next send); returns the seconds the sending took."""
    total = int(rate * seconds)
    started = time.perf_counter()
    tasks = []
    for n in range(total):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(n)))
    sent_seconds = time.perf_counter() - started
    await asyncio.gather(*tasks, return_exceptions=True)
    return sent_seconds


def run_id() -> str:
    return secrets.token_hex(3)


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
