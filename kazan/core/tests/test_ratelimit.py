"""Rate limits hold across processes: the count lives in Redis (with REDIS_URL) or the database,
never in one process's memory, and parallel hits cannot pass more than `limit`."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from kazan.core.errors import RateLimited
from kazan.core.models import RateLimitCounter
from kazan.core.ratelimit import ratelimit_hit, ratelimit_purge, ratelimit_reset
from kazan.core.testing import run_in_threads, subprocess_database_url

pytestmark = pytest.mark.django_db

IP_KEY = "login:ip:203.0.113.7"


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    """Each test runs on the database store, and on Redis too when REDIS_URL is set."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("set REDIS_URL to test the Redis store")
        assert caches["default"].__class__.__name__ == "RedisCache"
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def _hits(key: str, times: int, *, limit: int, window_seconds: int = 300) -> int:
    passed = 0
    for _ in range(times):
        try:
            ratelimit_hit(key, limit=limit, window_seconds=window_seconds)
            passed += 1
        except RateLimited:
            pass
    return passed


def test_exactly_limit_hits_pass_then_the_key_is_refused(store):
    assert [ratelimit_hit("k", limit=3, window_seconds=60) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimited):
        ratelimit_hit("k", limit=3, window_seconds=60)
    assert ratelimit_hit("other", limit=3, window_seconds=60) == 1


def test_a_new_window_starts_when_the_old_one_ends(store):
    ratelimit_hit("k", limit=1, window_seconds=1)
    with pytest.raises(RateLimited):
        ratelimit_hit("k", limit=1, window_seconds=1)
    time.sleep(1.2)
    assert ratelimit_hit("k", limit=1, window_seconds=1) == 1


def test_reset_forgets_the_window(store):
    _hits("k", 2, limit=2)
    ratelimit_reset("k")
    assert ratelimit_hit("k", limit=2, window_seconds=60) == 1


def test_keys_reach_the_store_only_as_a_keyed_hash(store):
    ratelimit_hit(IP_KEY, limit=5, window_seconds=60)
    if store == "redis":
        client = caches["default"]._cache.get_client(write=False)
        stored = " ".join(key.decode() for key in client.keys("*"))
    else:
        stored = " ".join(RateLimitCounter.objects.values_list("key", flat=True))
    assert stored
    assert "203.0.113.7" not in stored and "login" not in stored


def test_ended_windows_are_purged_by_a_scheduled_job(settings):
    from apscheduler.triggers.cron import CronTrigger
    from crontask import scheduler

    from kazan.core import tasks

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ratelimit_hit("short", limit=5, window_seconds=60)
        ratelimit_hit("long", limit=5, window_seconds=3600)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert tasks.ratelimits_purge.call() == 1
        assert ratelimit_purge() == 0
    assert RateLimitCounter.objects.count() == 1
    job = {job.name: job for job in scheduler.get_jobs()}["ratelimits_purge"]
    assert isinstance(job.trigger, CronTrigger)


# --- across processes and threads ----------------------------------------------------------

# Another web process: counts its passed hits on a key once told to start (a file appears).
CHILD = """
import sys, time, django
django.setup()
from kazan.core.errors import RateLimited
from kazan.core.ratelimit import ratelimit_hit
go, times, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print("ready", flush=True)
import os
while not os.path.exists(go):
    time.sleep(0.01)
passed = 0
for _ in range(times):
    try:
        ratelimit_hit("shared:key", limit=limit, window_seconds=300)
        passed += 1
    except RateLimited:
        pass
print(passed, flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_two_web_processes_share_one_limit(store, tmp_path):
    """Two real processes on the same database (or Redis) hit one key 30 times each with a
    limit of 20: 20 pass in all (per-process memory would let 40 through)."""
    go = tmp_path / "go"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kazan.settings",
        "DATABASE_URL": subprocess_database_url(),
        "REDIS_URL": settings.REDIS_URL if store == "redis" else "",
        "KAZAN_DATA_DIR": str(settings.DATA_DIR),
        "KAZAN_PII_KEY": settings.PII_KEY,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    children = [
        subprocess.Popen(  # noqa: S603 (our own code, fixed arguments)
            [sys.executable, "-c", CHILD, str(go), "30", "20"],
            env=env,
            cwd=Path(settings.BASE_DIR),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        go.touch()
        outputs = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    assert all(child.returncode == 0 for child in children), outputs
    assert sum(int(out.strip()) for out, _err in outputs) == 20
    assert _hits("shared:key", 1, limit=20) == 0  # and this process agrees


@pytest.mark.django_db(transaction=True)
def test_parallel_hits_pass_exactly_limit(store):
    """20 threads hit one key 3 times each at the same moment with a limit of 25."""
    if store == "database" and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes all writers, so there is no race")

    results = run_in_threads(20, lambda: _hits("parallel", 3, limit=25))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 25
