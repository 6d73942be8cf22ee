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


def tmp_path(name: str) -> Path:
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


# --- the bots -------------------------------------------------------------------------------

BOT_ID_BASE = 7_100_000_000
TOKEN_SECRET = "AAbenchTokenForTheLocalRecorder0123456789"  # the recorder accepts any token


@dataclass(frozen=True)
class Bot:
    bot_id: int
    hook_path: str
    secret: str


def bots_ensure(count: int) -> list[Bot]:
    """`count` businesses with the Telegram CRM, each with its bot connected through the
    channel's own connect service (getMe, setWebhook, setMyCommands answered by the recorder;
    the CRM flow bound). Kept in the bench database and connected again on every run."""
    from kazan.channels.providers.telegram.testing import telegram_fields, telegram_secret
    from kazan.channels.providers.telegram.webhooks import telegram_hook_path
    from kazan.channels.services import installation_connect
    from kazan.commerce.services import packages_ensure_defaults
    from kazan.tenancy.models import Business

    bots = []
    for n in range(count):
        business, _created = Business.objects.get_or_create(
            slug=f"bench-telegram-{n}",
            defaults={"name": f"Bench Registrations {n}", "country": "US", "currency": "USD"},
        )
        packages_ensure_defaults(business=business)
        bot_id = BOT_ID_BASE + n
        installation = installation_connect(
            business=business,
            actor=None,
            provider="telegram",
            fields=telegram_fields(label=f"Bench bot {n}", bot_token=f"{bot_id}:{TOKEN_SECRET}"),
        )
        bots.append(Bot(bot_id, telegram_hook_path(installation), telegram_secret(installation)))
    return bots


class Updates:
    """Documented Update objects with update ids unique to this run (Telegram's redelivery
    of an update id is dropped, so an id must never repeat in the bench database)."""

    def __init__(self) -> None:
        self.next_id = int(time.time() * 1000) % 1_000_000_000 * 100

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def text(self, chat_id: int, text: str) -> dict:
        from kazan.channels.providers.telegram.testing import update_command, update_message

        build = update_command if text.startswith("/") else update_message
        return build(text, update_id=self._id(), user_id=chat_id, first_name="Bench")

    def press(self, chat_id: int, data: str) -> dict:
        from kazan.channels.providers.telegram.testing import update_callback

        return update_callback(data, update_id=self._id(), user_id=chat_id, first_name="Bench")


# --- 2-3. replies through the workers ---------------------------------------------------------


class Client:
    """The Telegram side of the bench: posts updates to the bots' webhooks and waits for the
    replies at the recorder."""

    def __init__(self, base: str, recorder, session) -> None:
        self.base, self.recorder, self.session = base, recorder, session
        self.updates = Updates()
        self.errors = 0

    async def turn(self, bot: Bot, chat_id: int, update: dict, timeout: float = 120) -> float:
        """Posts the update; returns the ms until the first reply to the chat arrived (-1 when
        the webhook refused it or no reply came within `timeout`)."""
        sent = time.perf_counter()
        async with self.session.post(
            self.base + bot.hook_path,
            data=dumps(update),
            headers={"Content-Type": "application/json", SECRET_HEADER: bot.secret},
        ) as answer:
            await answer.read()
            if answer.status != 200:
                self.errors += 1
                return -1.0
        try:
            reply = await self.recorder.next_reply(chat_id, sent, timeout=timeout)
        except TimeoutError:
            self.errors += 1
            return -1.0
        return (reply.at - sent) * 1000


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The registration's first steps, as a user goes through them: (kind, value).
REGISTRATION = (
    ("say", "/start"),
    ("press", "register"),
    ("say", "Ann"),
    ("press", "skip"),
    ("say", "Smith"),
)


async def users_run(
    client: Client, bots: list[Bot], *, users: int, steps: int, chat_base: int
) -> dict:
    """`users` distinct chats at once, each through the first `steps` of REGISTRATION,
    answering as soon as the previous answer arrives."""
    latencies: list[float] = []
    finished = 0

    async def user(n: int) -> None:
        nonlocal finished
        bot, chat = bots[n % len(bots)], chat_base + n
        for kind, value in REGISTRATION[:steps]:
            update = (
                client.updates.text(chat, value)
                if kind == "say"
                else client.updates.press(chat, value)
            )
            ms = await client.turn(bot, chat, update, timeout=900)
            if ms < 0:
                return
            latencies.append(ms)
        finished += 1

    started = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(users)))
    seconds = time.perf_counter() - started
    return {"latencies": latencies, "finished": finished, "seconds": seconds}


async def latency_run(
    client: Client, bots: list[Bot], *, rate: float, seconds: float, chat_base: int
) -> LatencyResult:
    """Open loop: `rate` updates a second for `seconds`, each a /help from a chat of a pool
    large enough that a chat writes at most every two seconds."""
    latencies: list[float] = []
    pool = max(len(bots), int(rate * 2) + 1)

    async def fire(n: int) -> None:
        chat = chat_base + n % pool
        bot = bots[chat % len(bots)]
        ms = await client.turn(bot, chat, client.updates.text(chat, "/help"))
        if ms >= 0:
            latencies.append(ms)

    sent_seconds = await _open_loop(rate=rate, seconds=seconds, fire=fire)
    return LatencyResult(
        f"/help at {rate:g}/s over {len(bots)} bots, {seconds:g} s",
        latencies,
        int(rate * seconds),
        sent_seconds,
    )


# --- 4. broadcast pacing ----------------------------------------------------------------------


def broadcast_pacing_run(messages: int) -> None:
    """The broadcast sender's pacer (campaigns.services.broadcast.broadcast_pacer, the one the
    send task uses, at CRM_BROADCAST_PER_SECOND) on the real clock, with a sender that returns
    at once: the rate it holds over `messages`, and the most sends in any one second."""
    from kazan.campaigns.audience import TELEGRAM
    from kazan.campaigns.services.broadcast import broadcast_pacer

    pacer = broadcast_pacer()
    sent: list[float] = []
    for _ in range(messages):
        pacer.wait()
        sent.append(time.monotonic())  # the fake sender: nothing to wait for
    seconds = sent[-1] - sent[0]
    rate = (messages - 1) / seconds if seconds else 0.0
    target = TELEGRAM.rate_per_second
    busiest, start = 0, 0
    for end, moment in enumerate(sent):
        while moment - sent[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    within = abs(rate / target - 1) <= 0.05
    print(f"## Telegram broadcast pacing: {messages:,} messages at {target:g} msg/s\n")
    print("| measure | value |\n| --- | ---: |")
    print(f"| messages | {messages:,} |")
    print(f"| first to last | {seconds:,.1f} s |")
    print(f"| rate held | {rate:.3f} msg/s |")
    print(
        f"| ratio to the target | {rate / target:.4f} ({'within' if within else 'outside'} ±5 %) |"
    )
    print(f"| most messages in any one second | {busiest} |")
    print()


# --- the whole run ----------------------------------------------------------------------------


def telegram_run(
    *,
    env: dict[str, str],
    port: int,
    server_start: Callable[[int, dict[str, str]], subprocess.Popen],
    duration: int,
    connections: int,
    rate: float,
    users: int,
    steps: int,
    bots: int,
    broadcast: int,
) -> None:
    asyncio.run(
        _run(
            env=env,
            port=port,
            server_start=server_start,
            duration=duration,
            connections=connections,
            rate=rate,
            users=users,
            steps=steps,
            bot_count=bots,
            broadcast=broadcast,
        )
    )


async def _run(
    *,
    env: dict[str, str],
    port: int,
    server_start: Callable[[int, dict[str, str]], subprocess.Popen],
    duration: int,
    connections: int,
    rate: float,
    users: int,
    steps: int,
    bot_count: int,
    broadcast: int,
) -> None:
    import aiohttp

    from bench.telegram_ingest import ingest_run
    from bench.telegram_recorder import BotRecorder

    recorder = BotRecorder()
    api = await recorder.start(port + 1)
    settings.TELEGRAM_API_URL = api
    env = dict(env, KAZAN_TELEGRAM_API_URL=api)
    bots = await asyncio.to_thread(bots_ensure, bot_count)
    base = f"http://127.0.0.1:{port}"
    server = await asyncio.to_thread(server_start, port, env)
    try:
        await asyncio.to_thread(
            ingest_run, bots[0], base=base, duration=duration, connections=connections
        )
        workers = workers_start(2, env)
        try:
            await asyncio.sleep(5)  # the workers' start-up
            connector = aiohttp.TCPConnector(limit=connections * 4)
            async with aiohttp.ClientSession(connector=connector) as session:
                client = Client(base, recorder, session)
                chat_base = 6_100_000_000 + (client.updates.next_id // 100) % 1_000_000 * 1000
                crowd = await users_run(client, bots, users=users, steps=steps, chat_base=chat_base)
                under_load = await latency_run(
                    client, bots, rate=rate, seconds=duration * 2, chat_base=chat_base
                )
                errors = client.errors
        finally:
            workers_stop(workers)
    finally:
        server.terminate()
        server.wait(10)
        await recorder.stop()
    p50, p99 = percentiles(crowd["latencies"])
    turns = len(crowd["latencies"])
    print(f"## Telegram: {users:,} concurrent users, {bot_count} bots, 2 workers\n")
    done = ", ".join(value for _kind, value in REGISTRATION[:steps])
    print(
        f"Each user, all at once: {done}; the next answer as soon as the reply arrives "
        "(Telegram's flood limits on: 30 msg/s per bot, 1 msg/s per chat).\n"
    )
    print("| measure | value |\n| --- | ---: |")
    print(f"| users who finished all {steps} steps | {crowd['finished']:,} / {users:,} |")
    per_second = turns / crowd["seconds"]
    print(f"| turns answered | {turns:,} in {crowd['seconds']:.1f} s ({per_second:.0f}/s) |")
    print(f"| reply latency p50 / p99 | {p50:,.0f} ms / {p99:,.0f} ms |")
    print(f"| refused or unanswered | {errors:,} |")
    print()
    print("## Telegram: webhook-to-reply latency under load (2 workers)\n")
    print(LATENCY_HEADER)
    print(under_load.row(1000))
    print()
    broadcast_pacing_run(broadcast)
