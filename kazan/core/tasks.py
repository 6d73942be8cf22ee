"""Core's periodic jobs (`manage.py crontask`). Safe to run twice or late."""

from crontask import cron
from django.tasks import task

from kazan.core.ratelimit import ratelimit_purge


@cron("*/10 * * * *")
@task
def ratelimits_purge() -> int:
    """Every 10 minutes: drop the rate-limit windows that have ended (core.ratelimit)."""
    return ratelimit_purge()
