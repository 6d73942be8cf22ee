"""What the benchmarks measure. Django is set up (bench.settings) before this is imported."""

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


def web_run(business: Business, *, base: str, duration: int, connections: int) -> list[LoadResult]:
    """The bare view first: every other row is a ratio to it."""
    run = {"duration": duration, "connections": connections}
    return [
        wrk_run("bare Django view (baseline)", f"{base}/bench/bare", **run),
        wrk_run("landing page GET /<slug>/", f"{base}/{business.slug}/", **run),
        wrk_run(
            "landing page from the QR code (counts a scan)",
            f"{base}/{business.slug}/?src=qr",
            **run,
        ),
    ]


def campaign_run(*, customers: int) -> None:
    raise NotImplementedError
