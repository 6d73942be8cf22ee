"""The landing-page rows (64 connections): one café's page opened by new visitors, the same
page from its QR code, and first visits spread over 1,000 different businesses (no single hot
row or cache entry). wrk keeps no cookies, so every request is a first visit that counts.
Afterwards the 1,000 businesses are deleted again (the console bench counts the businesses of
the same database) and the buffered visits are flushed, as the scheduler does every minute."""

import sys

from bench.wrk import LoadResult, wrk_run
from kazan.tenancy.models import Business

CONNECTIONS = 64
MANY = 1000
MANY_PREFIX = "bench-lp-"

MANY_LUA = """
local i = math.random(0, %(many)d - 1)
request = function()
  i = (i + 1) %% %(many)d
  return wrk.format("GET", string.format("/%(prefix)s%%04d/?src=qr", i))
end
"""


def businesses_ensure(count: int = MANY) -> None:
    """The 1,000 businesses, made once and kept in the bench database."""
    slugs = [f"{MANY_PREFIX}{number:04d}" for number in range(count)]
    have = set(Business.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    Business.objects.bulk_create(
        Business(slug=slug, name=f"Bench Bistro {slug[-4:]}", instagram_url="https://i.g/b")
        for slug in slugs
        if slug not in have
    )


def landing_rows(slug: str, *, base: str, duration: int) -> list[LoadResult]:
    from kazan.analytics.services import events_buffered_flush

    businesses_ensure()
    run = {"duration": duration, "connections": CONNECTIONS}
    many_lua = MANY_LUA % {"many": MANY, "prefix": MANY_PREFIX}
    # Not reported: a fresh server has rendered none of the 1,000 pages and looked up none of
    # the businesses; the row measures the steady state, as the one-café rows do.
    wrk_run("warm-up", f"{base}/{MANY_PREFIX}0000/", lua=many_lua, duration=5, connections=64)
    rows = [
        wrk_run(
            f"landing page GET /<slug>/ (a first visit, {CONNECTIONS} connections)",
            f"{base}/{slug}/",
            **run,
        ),
        wrk_run(
            f"landing page from the QR code (counts a scan, {CONNECTIONS} connections)",
            f"{base}/{slug}/?src=qr",
            **run,
        ),
        wrk_run(
            f"landing page from {MANY:,} different businesses (QR scans, {CONNECTIONS} conn.)",
            f"{base}/{MANY_PREFIX}0000/",
            lua=many_lua,
            **run,
        ),
    ]
    Business.objects.filter(slug__startswith=MANY_PREFIX).delete()
    print(
        f"buffered visits written after the run: {events_buffered_flush(batches=10_000):,}",
        file=sys.stderr,
    )
    return rows
