"""The landing page's speed work (decision 0019) keeps it right: a first visit asks the database
nothing once the cache is warm (with Redis counting), two businesses' cached pages never mix,
an edit shows at once, and the counted visits end up exact in the daily counts after the flush
— on Redis when REDIS_URL is set, and on the synchronous fallback without it."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kazan.analytics.models import DailyCount, Event, EventKind
from kazan.analytics.queries import business_today, counts_between
from kazan.analytics.services import events_buffered_flush, events_buffered_pending
from kazan.tenancy.services import business_status_change, business_update
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", "redis"])
def counting(request, settings):
    """Each test runs with visits written at once (no Redis), and buffered in Redis too when
    REDIS_URL is set."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("set REDIS_URL to test counting through Redis")
        settings.ANALYTICS_BUFFER = True
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        settings.ANALYTICS_BUFFER = False
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def _first_visit(business, query: str = "") -> str:
    """A visitor without cookies (what wrk and every new guest is)."""
    response = Client().get(f"/{business.slug}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_a_first_visit_with_a_warm_cache_asks_the_database_nothing(counting, business):
    _first_visit(business, "?src=qr")  # warms the business, the page and today's counters
    _first_visit(business)
    with CaptureQueriesContext(connection) as queries:
        _first_visit(business, "?src=qr")
        _first_visit(business)
    if counting == "redis":
        assert len(queries) == 0, [q["sql"] for q in queries]
    else:
        # Only the visit's own writes, per visit: the event and its daily counter.
        statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
        assert len(statements) == 2 * 2, statements
        assert all(sql.startswith(("INSERT", "UPDATE")) for sql in statements), statements


def test_each_visitor_gets_their_own_csrf_token_and_nonce(counting, business):
    first, second = Client(), Client()
    pages = [c.get(f"/{business.slug}/") for c in (first, second)]
    tokens = [
        re.search(r'name="csrf-token" content="([^"]+)"', p.content.decode())[1] for p in pages
    ]
    nonces = [re.search(r'nonce="([^"]+)"', p.content.decode())[1] for p in pages]
    assert tokens[0] != tokens[1] and nonces[0] != nonces[1]
    for page, nonce in zip(pages, nonces, strict=True):
        assert f"'nonce-{nonce}'" in page["Content-Security-Policy"]
        assert "csrftoken" in page.cookies
    assert "kzcsrf" not in pages[0].content.decode()


def test_two_businesses_cached_pages_never_mix(counting, business, other_business):
    business_update(
        business=business, actor=None, language="de", instagram_url="https://instagram.com/a"
    )
    for _ in range(2):  # the second round comes from the cache
        page_a = _first_visit(business)
        page_b = _first_visit(other_business)
        page_a_tr = _first_visit(business, "?lang=tr")
        assert "Café A" in page_a and "Shop B" not in page_a and '<html lang="de">' in page_a
        assert "/cafe-a/go/instagram" in page_a and "/shop-b/" not in page_a
        assert "Shop B" in page_b and "Café A" not in page_b and "/cafe-a/" not in page_b
        assert '<html lang="tr">' in page_a_tr and "Café A" in page_a_tr


def test_an_edit_shows_at_once_and_an_old_address_stops_answering(counting, business):
    assert "Café A" in _first_visit(business)
    business_update(business=business, actor=None, name="Café Neu", brand_color="#112233")
    page = _first_visit(business)
    assert "Café Neu" in page and "--brand: #112233" in page and "Café A" not in page
    business_update(business=business, actor=None, slug="cafe-neu")
    assert Client().get("/cafe-a/").status_code == 404
    assert "Café Neu" in Client().get("/cafe-neu/").content.decode()


def test_a_suspension_shows_at_once(counting, business, staff_user):
    _first_visit(business)
    business_status_change(business=business, status="suspended", reason="unpaid", actor=staff_user)
    assert Client().get(f"/{business.slug}/").status_code == 503


def test_counts_are_exact_in_the_daily_counts_after_the_flush(counting, business, other_business):
    third = BusinessFactory(slug="bar-c", timezone="America/New_York")
    visits = {(business, "?src=qr"): 7, (business, ""): 3, (other_business, ""): 5, (third, ""): 2}
    for (where, query), times in visits.items():
        for _ in range(times):
            _first_visit(where, query)
    same_visitor = Client()
    for _ in range(3):  # reloads within a visit count once
        same_visitor.get(f"/{business.slug}/?src=qr")
    if counting == "redis":
        assert events_buffered_pending() == 7 + 3 + 5 + 2 + 1
        assert not Event.objects.exists()
    assert events_buffered_flush() == (18 if counting == "redis" else 0)
    assert events_buffered_pending() == 0
    expected = {
        (business.pk, EventKind.QR_SCAN): 8,
        (business.pk, EventKind.PAGE_VIEW): 3,
        (other_business.pk, EventKind.PAGE_VIEW): 5,
        (third.pk, EventKind.PAGE_VIEW): 2,
    }
    counted = {(row.business_id, row.kind): row.count for row in DailyCount.objects.all()}
    assert counted == expected
    for (business_id, kind), count in expected.items():
        assert Event.objects.filter(business_id=business_id, kind=kind).count() == count
    # What the dashboard shows: this month's totals come from the daily counts.
    today = business_today(business=business)
    totals = counts_between(
        business=business, start=today, end=today, kinds=[EventKind.QR_SCAN, EventKind.PAGE_VIEW]
    )
    assert totals == {EventKind.QR_SCAN: 8, EventKind.PAGE_VIEW: 3}
    # A second flush adds to the same rows.
    _first_visit(business, "?src=qr")
    events_buffered_flush()
    assert DailyCount.objects.get(business=business, kind=EventKind.QR_SCAN).count == 9


def test_a_flush_drops_the_visits_of_a_deleted_business(counting, business, other_business):
    _first_visit(business)
    _first_visit(other_business)
    other_business.delete()
    events_buffered_flush()
    assert list(DailyCount.objects.values_list("business_id", "count")) == [(business.pk, 1)]


def test_a_visit_is_written_at_once_when_redis_refuses_the_push(counting, business, monkeypatch):
    if counting != "redis":
        pytest.skip("the fallback of the Redis path")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refuse(*args, **kwargs):
        raise RedisConnectionError("gone")

    monkeypatch.setattr(Redis, "rpush", refuse)
    _first_visit(business, "?src=qr")
    assert DailyCount.objects.get(business=business, kind=EventKind.QR_SCAN).count == 1
