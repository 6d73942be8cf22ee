"""`make bench` / `python -m bench [--only web,webhook,campaign,console,broker] [--duration 10] …`.

Runs on PostgreSQL (DATABASE_URL, default a `kazan_bench` database it creates) and prints
Markdown tables for docs/performance.md. Every figure is relative to a baseline measured in the
same run on the same machine: absolute numbers from another machine mean little.

`--only` takes a comma-separated list of: web (landing page and chat), webhook (inbound SMS:
verified, stored, queued), campaign (a 100k-recipient campaign and the send rate against its
limit) and console (the platform console's overview over 1,000 businesses, 1,000,000
customers and 5,000,000 events: bench/console.py). The default is web,webhook,campaign; console
is asked for by name because its data set takes about a minute to build the first time (it is
kept in the bench database and reused; `--console-rebuild` builds it anew, `--console-scale 0.01` a
hundredth of it for a quick try (replacing the full one until the next full run rebuilds it),
`--console-explain 5` adds EXPLAIN ANALYZE of the 5 slowest queries).
telegram (asked for by name: the Telegram CRM's numbers of issue 13, bench/telegram.py: updates
ingested per second, 1,000 concurrent users, webhook-to-reply latency under load through two
workers, the broadcast pace; `--tg-users`, `--tg-rate`, `--tg-bots`, `--tg-broadcast 10000` for
the seed's full 10,000-message broadcast, which takes 1,000 s at 10 msg/s).
broker (asked for by name: tasks/s through the database backend and Redis Queue, bench/broker.py).
plans (asked for by name: what plan_allows and quota_take cost on FAQ create over the API and an
inbound chat message, limits on against limits off, in-process: bench/plans.py).
faq (asked for by name: the FAQ matcher and two baselines on ../shared/faq-dev, or FAQ_DEV_DIR,
plus matching latency with 1,000 FAQs: bench/faq.py; needs no database when asked for alone).
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kazan_bench"


def _database_ensure(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _environment() -> dict[str, str]:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    # The workers share the send-rate limit through Redis, as in production.
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("KAZAN_DATA_DIR", str(ROOT / "var" / "bench"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # Plain http on loopback; client addresses come from X-Forwarded-For (see scenarios).
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["BEHIND_PROXY"] = "1"
    os.environ.setdefault("KAZAN_OTP_LIMIT_PER_IP_PER_HOUR", "1000000")
    os.environ.setdefault("KAZAN_OTP_LIMIT_PER_BUSINESS_PER_HOUR", "1000000")
    return dict(os.environ)


def _server_start(port: int, env: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "granian"),
            "--interface",
            "wsgi",
            "bench.wsgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--blocking-threads",
            "8",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the benchmark server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--only",
        default="web,webhook,campaign",
        help="web, webhook, campaign, console, broker, faq, telegram, plans",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per web endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--customers", type=int, default=100_000, help="campaign audience")
    parser.add_argument("--rate", default="50,200,1000", help="SMS/s limits to hold (comma)")
    parser.add_argument("--send-seconds", type=int, default=30)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--tg-users", type=int, default=1000, help="telegram: concurrent users")
    parser.add_argument("--tg-steps", type=int, default=5, help="telegram: registration steps")
    parser.add_argument("--tg-rate", type=float, default=50, help="telegram: updates/s for latency")
    parser.add_argument("--tg-bots", type=int, default=10, help="telegram: bots sharing the load")
    parser.add_argument("--tg-broadcast", type=int, default=600, help="telegram: broadcast size")
    parser.add_argument("--console-rebuild", action="store_true", help="rebuild the console data")
    parser.add_argument("--console-scale", type=float, default=1.0, help="console data size factor")
    parser.add_argument("--console-explain", type=int, default=0, help="EXPLAIN the N slowest")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only == {"faq"}:  # CPU only: no database, no server
        from bench.faq import main as faq_main

        sys.argv = [sys.argv[0]]
        faq_main()
        return

    env = _environment()
    _database_ensure(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)  # DEBUG is off: manifest

    from bench import scenarios

    print(f"# Kazan benchmarks — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"database: PostgreSQL; {os.cpu_count()} CPU cores shared by server and load generator\n")
    if "web" in only:
        business = scenarios.business_ensure()
        server = _server_start(args.port, env)
        try:
            results = scenarios.web_run(
                business,
                base=f"http://127.0.0.1:{args.port}",
                duration=args.duration,
                connections=args.connections,
            )
        finally:
            server.terminate()
            server.wait(10)
        from bench.wrk import HEADER

        print(
            f"## Landing page and chat step ({args.connections} connections, {args.duration} s)\n"
        )
        print(HEADER)
        for result in results:
            print(result.row(results[0]))
        print()
    if "webhook" in only:  # bench/webhook.py: Twilio inbound SMS, N distinct signed messages
        from bench.webhook import webhook_run

        server = _server_start(args.port, env)
        try:
            base, business = f"http://127.0.0.1:{args.port}", scenarios.business_ensure()
            webhook_run(business, base=base, duration=args.duration, connections=args.connections)
        finally:
            server.terminate()
            server.wait(10)
    if "console" in only:
        from bench import console

        dataset = console.dataset_ensure(
            console.Sizes().scaled(args.console_scale),
            rebuild=args.console_rebuild,
            log=lambda line: print(line, file=sys.stderr),
        )
        server = _server_start(args.port, env)
        try:
            console.console_run(
                base=f"http://127.0.0.1:{args.port}",
                duration=args.duration,
                connections=args.connections,
                dataset=dataset,
                explain_slow=args.console_explain,
            )
        finally:
            server.terminate()
            server.wait(10)
    if "telegram" in only:
        from bench.telegram import telegram_run

        telegram_run(
            env=env,
            port=args.port,
            server_start=_server_start,
            duration=args.duration,
            connections=args.connections,
            rate=args.tg_rate,
            users=args.tg_users,
            steps=args.tg_steps,
            bots=args.tg_bots,
            broadcast=args.tg_broadcast,
        )
    if "broker" in only:
        from bench import broker

        broker.broker_run(duration=args.duration)
    if "plans" in only:
        from bench.plans import plans_run

        plans_run()
    if "faq" in only:
        from bench.faq import faq_run

        faq_run()
    if "campaign" in only:
        scenarios.campaign_run(
            customers=args.customers,
            rates=[float(rate) for rate in args.rate.split(",")],
            seconds=args.send_seconds,
        )


if __name__ == "__main__":
    main()
