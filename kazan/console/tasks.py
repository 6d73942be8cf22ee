"""The console's periodic jobs (`manage.py crontask`). Both are safe to run twice or late: an
alert is open at most once per business and kind, and the snapshot is simply replaced."""

from crontask import cron
from django.tasks import task

from kazan.console import queries, services


@cron("23 * * * *")
@task
def alerts_check() -> int:
    """Hourly: inactive businesses and payment defaults; new alerts are emailed to staff."""
    return len(services.alerts_check())


@cron("*/10 * * * *")
@task
def overview_stats_refresh() -> str:
    """Every ten minutes: the overview's usage figures, so the page never computes them."""
    return queries.overview_stats(refresh=True)["computed_at"]
