"""`python -m bench --only plans`: what the plan's limits cost on a hot path (issue 14).

Measured in-process (django.test.Client, one request at a time, the same process and run as the
baseline), each request REQUESTS times after a warm-up:

- the bare view (the baseline every ratio refers to);
- FAQ create over the API (`POST /api/v1/faqs/` with an API key): the key's plan check
  (API access, a live subscription) and `plan_allows(FAQS)` — the subscription row locked in the
  create's transaction and the FAQs counted. The FAQ is deleted again between requests (not
  timed), so the count stays the same;
- an inbound web chat message (`POST /<slug>/chat`): the bot's answer takes one message of
  the month's quota (`quota_take(MESSAGES)`, one conditional UPDATE);
- the calls alone: `plan_allows(FAQS)` and `quota_take(MESSAGES)` in one transaction.

Each request row runs twice, request by request in turn (so both see the same load on a shared
machine): with billing's real answer registered, and with an answer that allows everything
without touching the database ("limits off"); the difference is what the limits cost on that
path and nothing else. The queries column counts one call's SQL statements.
"""

import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

REQUESTS = 300
WARMUP = 20
SLUG = "bench-plans"


@dataclass(frozen=True)
class Timing:
    name: str
    p50_ms: float
    p99_ms: float
    queries: int  # SQL statements of one call (the last measured)

    def row(self, baseline: "Timing") -> str:
        return (
            f"| {self.name} | {self.p50_ms:.2f} | {self.p99_ms:.2f} "
            f"| {self.p50_ms / baseline.p50_ms:.1f} | {self.queries} |"
        )


class _NoLimits:
    """An entitlements answer that allows everything and reads nothing ("limits off")."""

    def limit_check(self, *, business, key, adding):
        return None

    def quota_take(self, *, business, key, amount):
        return None

    def capability_require(self, *, business, key):
        return None

    def capability_has(self, *, business, key):
        return True

    def limit_of(self, *, business, key):
        return None

    def analytics_since(self, *, business):
        return None

    def subscription_require_active(self, *, business):
        return None


def _summary(name: str, samples: list[float], queries: int) -> Timing:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return Timing(name, statistics.median(samples), p99, queries)


def _once(call: Callable[[], object]) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a full log (9,000 entries) would capture nothing
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        call()
        ms = (time.perf_counter() - started) * 1000
    return ms, len(captured.captured_queries)


def _timed(name: str, call: Callable[[], object]) -> Timing:
    for _ in range(WARMUP):
        call()
    samples, queries = [], 0
    for _ in range(REQUESTS):
        ms, queries = _once(call)
        samples.append(ms)
    return _summary(name, samples, queries)


def _paired(
    name: str, call: Callable[[], object], *, between: Callable[[], object] = lambda: None
) -> list[Timing]:
    """`call` with the limits on and off in turn, request by request, so both see the same
    load on a shared machine."""
    from kazan.billing.services.limits import BillingEntitlements
    from kazan.core.entitlements import entitlements_register

    answers = {"limits on": BillingEntitlements(), "limits off": _NoLimits()}
    samples: dict[str, list[float]] = {label: [] for label in answers}
    queries = dict.fromkeys(answers, 0)
    try:
        for n in range(WARMUP + REQUESTS):
            for label, answer in answers.items():
                entitlements_register(answer)
                ms, queries[label] = _once(call)
                between()
                if n >= WARMUP:
                    samples[label].append(ms)
    finally:
        entitlements_register(answers["limits on"])
    return [_summary(f"{name} ({label})", samples[label], queries[label]) for label in answers]


def _business():
    """A business on its (Professional) trial with an API key and an empty month of quota."""
    from django.utils.timezone import now

    from kazan.billing.models import UsageCounter
    from kazan.billing.services.plan_subscriptions import plan_subscription_for
    from kazan.faq.models import Faq
    from kazan.messaging.services import sms_credits_grant
    from kazan.tenancy.models import ApiKey, Business
    from kazan.tenancy.services import api_key_create

    business, created = Business.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Bench Plans Café",
            "instagram_url": "https://instagram.com/bench",
            "google_review_url": "https://g.page/r/bench/review",
        },
    )
    if created:
        sms_credits_grant(business=business, amount=1_000_000, actor=None, note="benchmark")
    plan_subscription_for(business)
    Faq.objects.filter(business=business).delete()
    UsageCounter.objects.filter(business=business).delete()
    ApiKey.objects.filter(business=business, revoked_at__isnull=True).update(revoked_at=now())
    secret = api_key_create(business=business, name="bench", actor=None).secret
    return business, secret


def _faq_create(client, secret: str, business) -> tuple[Callable, Callable]:
    import json

    from kazan.faq.models import Faq

    body = json.dumps(
        {"question": "Do you have oat milk?", "answer": "Yes, at no extra cost.", "language": "en"}
    )

    def call():
        answer = client.post(
            "/api/v1/faqs/",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert answer.status_code == 201, answer.content

    return call, lambda: Faq.objects.filter(business=business).delete()


def _chat(client, business) -> Callable:
    client.get(f"/{business.slug}/")
    client.post(f"/{business.slug}/chat", {"action": "start"}, content_type="application/json")

    addresses = itertools.count()

    def call():
        # Each message from its own address: the per-address limit guards real pages, not this.
        n = next(addresses)
        answer = client.post(
            f"/{business.slug}/chat",
            {"text": "hello"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.78.{n // 250 % 250}.{n % 250 + 1}",
        )
        assert answer.status_code == 200, answer.content

    return call


def _calls_alone(business) -> Callable:
    from django.db import transaction

    from kazan.core.entitlements import Limit, Quota, plan_allows, quota_take

    def call():
        with transaction.atomic():
            plan_allows(business=business, key=Limit.FAQS)
            quota_take(business=business, key=Quota.MESSAGES)

    return call


def plans_run() -> list[Timing]:
    from django.test import Client

    business, secret = _business()
    client = Client(HTTP_X_FORWARDED_FOR="10.77.0.1")
    rows = [_timed("bare Django view (baseline)", lambda: client.get("/bench/bare"))]
    chat = _chat(Client(HTTP_X_FORWARDED_FOR="10.77.0.2"), business)
    faq_call, faq_reset = _faq_create(client, secret, business)
    try:
        rows += _paired("FAQ create, API", faq_call, between=faq_reset)
        rows += _paired("inbound chat message", chat)
        rows.append(_timed("plan_allows + quota_take alone", _calls_alone(business)))
    finally:
        faq_reset()
    print(f"## Plan limits on the hot path (in-process, {REQUESTS} requests each)\n")
    print("| path | p50 ms | p99 ms | p50 ratio to bare view | queries |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(row.row(rows[0]))
    print()
    return rows
