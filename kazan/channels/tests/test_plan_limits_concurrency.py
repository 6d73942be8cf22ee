"""Many connects and invitations at once at the plan's limit, on PostgreSQL: the locked plan
subscription queues them, so a business never ends up with one channel or seat too many."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from kazan.billing.testing import limits_give, plans_seed
from kazan.channels.models import ChannelInstallation
from kazan.channels.services import installation_connect
from kazan.channels.tests.factories import connect_fields
from kazan.core.entitlements import Limit, PlanLimitReached, usage_count
from kazan.tenancy.models import Role
from kazan.tenancy.services import invitation_create

WORKERS = 8


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
def test_concurrent_connects_at_the_channel_limit_keep_one(postgres, business, owner):
    limits_give(business, channels=1)
    results = _at_once(
        lambda n: installation_connect(
            business=business,
            actor=owner,
            provider="twilio",
            fields=connect_fields(from_number=f"+1501712267{n}"),
        )
    )
    assert results.count("ok") == 1 and results.count("refused") == WORKERS - 1
    active = ChannelInstallation.objects.filter(
        business=business, status=ChannelInstallation.Status.ACTIVE
    )
    assert active.count() == 1
    assert usage_count(business=business, key=Limit.CHANNELS) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_invitations_at_the_team_limit_never_overshoot(postgres, business, owner):
    limits_give(business, team_members=3)  # the owner and two more
    results = _at_once(
        lambda n: invitation_create(
            business=business, email=f"person{n}@example.com", role=Role.AGENT, actor=owner
        )
    )
    assert results.count("ok") == 2 and results.count("refused") == WORKERS - 2
    assert usage_count(business=business, key=Limit.TEAM_MEMBERS) == 3
