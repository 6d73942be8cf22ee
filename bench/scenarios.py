"""What the benchmarks measure. Django is set up (bench.settings) before this is imported."""

import json

from bench.landing import landing_rows
from bench.wrk import LoadResult, wrk_run
from kazan.messaging.services import sms_credits_grant
from kazan.tenancy.models import Business

SLUG = "bench-cafe"


def business_ensure() -> Business:
    business, created = Business.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Bench Café",
            "instagram_url": "https://instagram.com/bench",
            "google_review_url": "https://g.page/r/bench/review",
        },
    )
    if created:
        sms_credits_grant(business=business, amount=1_000_000, actor=None, note="benchmark")
    return business


def _visitor_new(base: str, slug: str, number: int) -> dict[str, str]:
    """A visitor who opened the page, started the chat and gave a name: the next answer the
    flow expects is the phone number. Returns the cookies and the CSRF header for wrk."""
    import http.cookies
    import urllib.request

    cookies: dict[str, str] = {}

    def call(path: str, body: dict | None = None) -> None:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "X-Forwarded-For": f"10.99.{number // 250}.{number % 250 + 1}",
        }
        if body is not None:
            headers |= {"Content-Type": "application/json", "X-CSRFToken": cookies["csrftoken"]}
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(base + path, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    cookies[name] = morsel.value

    call(f"/{slug}/")
    call(f"/{slug}/chat", {"action": "start"})
    call(f"/{slug}/chat", {"text": "Ada"})
    return {
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-CSRFToken": cookies["csrftoken"],
    }


CHAT_LUA = """
local visitors = %(visitors)s
local threads = 0
-- Each wrk thread takes its own share of the visitors: no two threads send for one visitor,
-- so the run measures turns, not waits on one conversation's row lock.
setup = function(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local i = -1
request = function()
  local stride = %(threads)d
  local own = math.floor(#visitors / stride)
  i = (i + 1) %% own
  local headers = visitors[offset + 1 + i * stride]
  headers["Content-Type"] = "application/json"
  -- Every request from its own address: the per-address limit guards real pages, not this run.
  headers["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255)
    .. "." .. math.random(1, 254)
  return wrk.format("POST", "/%(slug)s/chat", headers, '{"text": "not a number"}')
end
"""
# The chat row always runs 64 connections (issue 15's target: p99 < 100 ms at 64), one per
# prepared visitor.
CHAT_CONNECTIONS = 64
CHAT_THREADS = 2


def _lua_visitors(visitors: list[dict[str, str]]) -> str:
    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = ", ".join(
        "{" + ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in v.items()) + "}" for v in visitors
    )
    return "{" + rows + "}"


def web_run(business: Business, *, base: str, duration: int, connections: int) -> list[LoadResult]:
    """The bare view first: every other row is a ratio to it."""
    run = {"duration": duration, "connections": connections}
    visitors = [_visitor_new(base, business.slug, n) for n in range(64)]
    chat_lua = CHAT_LUA % {
        "visitors": _lua_visitors(visitors),
        "slug": business.slug,
        "threads": CHAT_THREADS,
    }
    return [
        wrk_run("bare Django view (baseline)", f"{base}/bench/bare", **run),
        *landing_rows(business.slug, base=base, duration=duration),
        wrk_run(
            f"chat step POST /<slug>/chat (64 visitors answering the phone question, "
            f"{CHAT_CONNECTIONS} connections)",
            f"{base}/{business.slug}/chat",
            lua=chat_lua,
            duration=duration,
            connections=CHAT_CONNECTIONS,
            threads=CHAT_THREADS,
        ),
    ]


def _send_rate(business: Business, *, rate: float, seconds: int) -> float:
    """Messages per second that two real `db_worker` processes take out of the outbox with the
    console provider, under the send limit `rate` (0: none)."""
    import os
    import subprocess
    import sys
    import time

    from django.conf import settings

    from kazan.messaging.models import OutboundMessage

    env = dict(os.environ, KAZAN_SMS_RATE_PER_SECOND=str(rate), KAZAN_SMS_PROVIDER="console")
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.2"]
    workers = [
        subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL)
        for _ in range(2)
    ]
    try:
        time.sleep(5)  # start-up
        # Any message of this business leaving the queue in the window counts (earlier runs'
        # leftovers too): the rate is what is measured.
        sent = OutboundMessage.objects.filter(business=business).exclude(status="queued")
        first, t0 = sent.count(), time.monotonic()
        time.sleep(seconds)
        last, t1 = sent.count(), time.monotonic()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
    return (last - first) / (t1 - t0)


CAMPAIGN_SLUG = "bench-campaign"
BULK = 2_000


def _audience_ensure(customers: int) -> Business:
    """A business with `customers` consenting customers, written in bulk (the services would
    take longer than the campaign itself); the rows are what the services would write."""
    from django.utils import timezone

    from kazan.customers.models import ConsentRecord, Customer
    from kazan.customers.phones import phone_index_for
    from kazan.customers.queries import consent_wording_current

    business, _created = Business.objects.get_or_create(
        slug=CAMPAIGN_SLUG, defaults={"name": "Bench Campaign Café"}
    )
    have = Customer.objects.filter(business=business).count()
    wording = consent_wording_current(purpose="sms_marketing", language="en")
    now = timezone.now()
    for start in range(have, customers, BULK):
        phones = [f"+4915{n:09d}" for n in range(start, min(start + BULK, customers))]
        created = Customer.objects.bulk_create(
            Customer(
                business=business,
                name=f"Guest {phone[-6:]}",
                phone_e164=phone,
                phone_index=phone_index_for(phone),
                language="en",
                first_interaction_at=now,
                last_interaction_at=now,
            )
            for phone in phones
        )
        ConsentRecord.objects.bulk_create(
            ConsentRecord(
                business=business,
                customer=customer,
                purpose="sms_marketing",
                granted=True,
                channel="web",
                wording=wording,
                occurred_at=now,
            )
            for customer in created
        )
    return business


def campaign_run(*, customers: int, rates: list[float], seconds: int) -> None:
    """Writes a campaign to `customers` consenting customers (the send task, in this process),
    then lets two real workers deliver through the console provider for `seconds` at each limit
    of `rates` and compares their send rate with it (shared by the workers through Redis)."""
    import time

    from django.utils import timezone

    from kazan.campaigns.services import campaign_save, campaign_send_run
    from kazan.messaging.models import OutboundMessage
    from kazan.messaging.queries import sms_balance

    started = time.monotonic()
    business = _audience_ensure(customers)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Autovacuum is off on these machines (see below): without statistics of the freshly
        # seeded tables, each batch's audience query scans every customer instead of the next
        # few thousand by id.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer, customers_consentrecord")
    seeded = time.monotonic() - started
    need = customers * 2 - sms_balance(business=business)
    if need > 0:
        sms_credits_grant(business=business, amount=need, actor=None, note="benchmark")

    campaign = campaign_save(
        business=business,
        actor=None,
        name="Bench",
        body="Bench Café: 2 for 1 on all cakes today! https://example.com/menu",
        send_at=timezone.now() + timezone.timedelta(seconds=1),
    )
    time.sleep(1.1)
    started = time.monotonic()
    runs = 0
    while True:
        runs += 1
        outcome = campaign_send_run(campaign_id=campaign.pk)
        campaign.refresh_from_db()
        if campaign.status != "sending" and "handed over" not in outcome:
            break
    enqueue_seconds = time.monotonic() - started
    written = OutboundMessage.objects.filter(business=business, created_at__gte=campaign.created_at)
    written = written.count()

    # These machines run PostgreSQL with autovacuum off; in production it re-analyzes a table
    # that grew by 10 %. Without fresh statistics the workers' task claim sorts the whole queue.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE django_tasks_database_dbtaskresult, messaging_outboundmessage")

    measured = [(rate, _send_rate(business, rate=rate, seconds=seconds)) for rate in rates]
    capacity = _send_rate(business, rate=0, seconds=max(10, seconds // 2))

    print(f"## Campaign to {customers:,} consenting customers\n")
    print("| measure | value |\n| --- | ---: |")
    print(f"| audience written in bulk (setup, not measured) | {seeded:.1f} s |")
    print(f"| campaign status after the send task | {campaign.status} ({runs} task runs) |")
    print(f"| outbox messages written (one per recipient, tracked link each) | {written:,} |")
    print(f"| time to enqueue all of them | {enqueue_seconds:.1f} s |")
    print(f"| enqueue rate | {written / enqueue_seconds:,.0f} messages/s |")
    print(f"| the 2 workers without a limit (capacity) | {capacity:.1f} SMS/s |\n")
    print(f"| send limit (KAZAN_SMS_RATE_PER_SECOND) | measured, 2 workers, {seconds} s | ratio |")
    print("| ---: | ---: | ---: |")
    for rate, send_rate in measured:
        print(f"| {rate:g} SMS/s | {send_rate:.1f} SMS/s | {send_rate / rate:.2f} |")
    print()
