"""The platform console overview at platform scale: `python -m bench --only console`.

The data set is made by bench/console_dataset.py (which says what is in it; the build is in
console_build and console_businesses); this module measures the page over it and prints the
tables. `Sizes` and `dataset_ensure` are re-exported here for bench/__main__.py.

Measured: the page `/console/` for a signed-in staff member (the session cookie is given to
wrk), served by the same granian server as the other web benches and set against the bare view
in the same run, under 32 connections and under one; the page's queries in-process
(django.test.Client, each query timed); and, apart, the cold computation of the statistics the
page reads from the cache (kazan.console.queries.overview_stats_compute, which the scheduler
runs every ten minutes) and the page with an empty cache.
"""

import math
import statistics
import time
from dataclasses import dataclass

from bench.console_dataset import dataset_ensure
from bench.console_sizes import Sizes

__all__ = ["Sizes", "console_run", "dataset_ensure", "explain"]

PATH = "/console/"
STAFF_EMAIL = "console-bench@example.com"
SERIAL_REQUESTS = 30  # in-process page loads for the serial latency and the query list
COLD_RUNS = 3


@dataclass(frozen=True)
class Captured:
    seconds: float
    queries: list[tuple[float, str]]  # (ms, SQL) in order

    @property
    def sql_ms(self) -> float:
        return sum(ms for ms, _sql in self.queries)


def _captured(call) -> Captured:
    """Runs `call`, timing it and each of its queries (CaptureQueriesContext keeps whole ms)."""
    from django.db import connection

    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            cursor = context["cursor"]
            queries.append((ms, connection.ops.last_executed_query(cursor, sql, params)))

    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        call()
        seconds = time.perf_counter() - started
    return Captured(seconds, queries)


def _staff_client():
    """A signed-in staff member (no business membership): a test Client and the session cookie
    that wrk sends. The session is a real row in the bench database, so the server accepts it;
    it is marked as past the second factor, as a staff sign-in with a TOTP code leaves it
    (StaffTwoFactorMiddleware sends any other staff session to sign in or set up TOTP)."""
    from django.conf import settings
    from django.test import Client

    from kazan.accounts.middleware import SECOND_FACTOR_SESSION_KEY
    from kazan.accounts.models import User, email_index

    user = User.objects.filter(email_index=email_index(STAFF_EMAIL)).first()
    if user is None:
        user = User.objects.create_user(STAFF_EMAIL, None, is_staff=True, name="Console bench")
    client = Client()
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = "totp"
    session.save()
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}"


def _get_ok(client) -> None:
    response = client.get(PATH)
    if response.status_code != 200:
        raise SystemExit(f"GET {PATH} answered {response.status_code}, not 200: no measurement")


def _served_ok(base: str, cookie: str) -> None:
    """The server, with wrk's cookie, answers the page itself (wrk would count a redirect to the
    login page as a success)."""
    import urllib.request

    request = urllib.request.Request(base + PATH, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=120) as response:
        if response.status != 200 or response.url.rstrip("/") != (base + PATH).rstrip("/"):
            raise SystemExit(f"the server answered {response.status} at {response.url}")


def _label(sql: str, width: int = 90) -> str:
    text = " ".join(sql.split())
    return (text[: width - 1] + "…" if len(text) > width else text).replace("|", "\\|")


def _data_counts() -> list[tuple[str, int]]:
    from django.db import connection

    tables = [
        ("businesses", "tenancy_business"),
        ("customers", "customers_customer"),
        ("analytics events", "analytics_event"),
        ("daily counters", "analytics_dailycount"),
        ("payments", "billing_payment"),
        ("reviews", "loyalty_review"),
        ("vouchers", "loyalty_voucher"),
        ("activity rows", "activity_activity"),
    ]
    with connection.cursor() as cursor:
        counts = []
        for label, table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append((label, cursor.fetchone()[0]))
    return counts


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def console_run(
    *, base: str, duration: int, connections: int, dataset: dict, explain_slow: int = 0
) -> None:
    """Prints the console section: the data, wrk against the page with a warm cache (and the
    bare view in the same run), the page's queries and the cold computation of its statistics."""
    from django.core.cache import cache

    from bench.wrk import HEADER, wrk_run
    from kazan.console import queries

    client, cookie = _staff_client()
    lua = f'wrk.headers["Cookie"] = "{cookie}"\n'

    # The cold computation of the cached statistics (what the scheduler does every 10 minutes),
    # then the page with an empty cache (its first request after a deploy or a cache flush).
    cold = [_captured(queries.overview_stats_compute) for _ in range(COLD_RUNS)]
    empty = []
    for _ in range(COLD_RUNS):
        cache.delete(queries.STATS_CACHE_KEY)
        empty.append(_captured(lambda: _get_ok(client)))
    # Warm: the snapshot is in the cache (Redis, shared with the server's workers).
    queries.overview_stats(refresh=True)
    _get_ok(client)
    warm = [_captured(lambda: _get_ok(client)) for _ in range(SERIAL_REQUESTS)]
    _served_ok(base, cookie)

    run = {"duration": duration, "connections": connections}
    single = {"duration": duration, "connections": 1, "threads": 1}
    results = [
        wrk_run(
            f"bare Django view (baseline), {connections} connections", f"{base}/bench/bare", **run
        ),
        wrk_run(
            f"console overview GET {PATH} (warm cache), {connections} connections",
            base + PATH,
            lua=lua,
            **run,
        ),
        wrk_run("bare Django view (baseline), 1 connection", f"{base}/bench/bare", **single),
        wrk_run(
            f"console overview GET {PATH} (warm cache), 1 connection",
            base + PATH,
            lua=lua,
            **single,
        ),
    ]

    sizes = dataset["sizes"]
    print(
        f"## Platform console overview ({sizes['businesses']:,} businesses, "
        f"{sizes['customers']:,} customers, {sizes['events']:,} events)\n"
    )
    print("| data in the database (all businesses, incl. the other benches') | rows |")
    print("| --- | ---: |")
    for label, count in _data_counts():
        print(f"| {label} | {count:,} |")
    built = "built now" if dataset.get("built") else "reused"
    print(f"| data set generation ({built}) | {dataset['seconds']:.0f} s |\n")

    print(f"### Load: wrk, {duration} s each, a signed-in staff member's session\n")
    print(HEADER)
    print(results[0].row(results[0]))
    print(results[1].row(results[0]))
    print(results[2].row(results[2]))
    print(results[3].row(results[2]))
    print()

    warm_ms = [c.seconds * 1000 for c in warm]
    print("### In-process (django.test.Client, one request at a time)\n")
    print("| measure | value |\n| --- | ---: |")
    print(f"| queries per page, warm cache | {len(warm[-1].queries)} |")
    print(
        f"| page time, warm cache, p50 / p99 of {SERIAL_REQUESTS} "
        f"| {_percentile(warm_ms, 0.5):,.1f} / {_percentile(warm_ms, 0.99):,.1f} ms |"
    )
    print(f"| of which SQL (p50) | {statistics.median(c.sql_ms for c in warm):,.1f} ms |")
    print(
        f"| cold computation of the cached statistics (overview_stats_compute), "
        f"best / worst of {COLD_RUNS} | {_ms(min(c.seconds for c in cold))} / "
        f"{_ms(max(c.seconds for c in cold))} |"
    )
    print(f"| its queries | {len(cold[-1].queries)} |")
    print(
        f"| page with an empty cache (computes the statistics in the request), "
        f"best / worst of {COLD_RUNS} | {_ms(min(c.seconds for c in empty))} / "
        f"{_ms(max(c.seconds for c in empty))} |"
    )
    print(f"| its queries | {len(empty[-1].queries)} |\n")

    for title, sample in (
        ("the page with a warm cache (median request)", _median_capture(warm)),
        ("the cold computation (best run)", min(cold, key=lambda c: c.seconds)),
    ):
        print(f"Queries of {title}, slowest first:\n")
        print("| ms | query |\n| ---: | --- |")
        for ms, sql in sorted(sample.queries, key=lambda q: -q[0]):
            print(f"| {ms:,.1f} | `{_label(sql)}` |")
        print()

    if explain_slow:
        # The slowest queries of the best cold run and of the median warm page.
        captured = [*min(cold, key=lambda c: c.seconds).queries, *_median_capture(warm).queries]
        for ms, sql in sorted(captured, key=lambda q: -q[0])[:explain_slow]:
            shown = sql if len(sql) <= 700 else sql[:700] + " …"
            plan = "\n".join(
                line if len(line) <= 240 else line[:240] + " …"
                for line in explain(sql).splitlines()
            )
            print(f"#### EXPLAIN ANALYZE ({ms:,.1f} ms when captured)\n\n```sql\n{shown}\n```\n")
            print(f"```\n{plan}\n```\n")


def _median_capture(captures: list[Captured]) -> Captured:
    return sorted(captures, key=lambda c: c.seconds)[len(captures) // 2]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]
