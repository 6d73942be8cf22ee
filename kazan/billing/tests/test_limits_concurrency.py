"""Many workers at once at a quota's or a limit's boundary on PostgreSQL: never one too many."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from kazan.billing.queries.limits import quota_used
from kazan.billing.testing import limits_give, plans_seed
from kazan.core import entitlements
from kazan.core.entitlements import Limit, PlanLimitReached, Quota

WORKERS = 20


def _at_once(work: Callable[[int], None]) -> list[str]:
    """Runs `work(n)` in WORKERS threads released together; "ok" or "refused" per worker."""
    barrier = threading.Barrier(WORKERS)
    results: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait()
            try:
                work(n)
                outcome = "ok"
            except PlanLimitReached:
                outcome = "refused"
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes all writers, so there is no race")
    plans_seed()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_quota_takes_never_overshoot(postgres, business):
    limits_give(business, messages=7)
    results = _at_once(lambda _n: entitlements.quota_take(business=business, key=Quota.MESSAGES))
    assert results.count("ok") == 7 and results.count("refused") == WORKERS - 7
    assert quota_used(business=business, key=Quota.MESSAGES) == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_at_a_limit_never_overshoot(postgres, business):
    """plan_allows + create in one transaction, as every feature does: the locked
    subscription row queues the adds, each counts what the one before it added."""
    from kazan.tenancy.models import Business

    kept: list[int] = []
    lock = threading.Lock()
    previous = entitlements._counters.get(Limit.CHANNELS)
    # A stand-in for a kept thing: rows of another table the test owns (businesses named so).
    entitlements.usage_counter_register(
        Limit.CHANNELS,
        lambda owner: Business.objects.filter(name__startswith=f"kept-{owner.pk}-").count(),
    )
    limits_give(business, channels=5)

    def add(n: int) -> None:
        with transaction.atomic():
            entitlements.plan_allows(business=business, key=Limit.CHANNELS)
            Business.objects.create(name=f"kept-{business.pk}-{n}", slug=f"kept-{business.pk}-{n}")
        with lock:
            kept.append(n)

    try:
        results = _at_once(add)
    finally:
        if previous is not None:
            entitlements.usage_counter_register(Limit.CHANNELS, previous)
    assert results.count("ok") == 5 and len(kept) == 5
    assert Business.objects.filter(name__startswith=f"kept-{business.pk}-").count() == 5
