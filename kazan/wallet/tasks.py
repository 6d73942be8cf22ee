"""The wallet's periodic jobs (`manage.py crontask`): safe to run twice or late — a purchase is
credited once (its entry reference), a period reminded once (PremiumPeriod.reminded_at)."""

from crontask import cron
from django.tasks import task

from kazan.wallet.services import premium_reminders_send, purchases_poll


@cron("*/5 * * * *")
@task
def token_purchases_poll() -> int:
    """Every five minutes: ask the gateway about unfinished purchases (a lost webhook still
    credits; an expired invoice closes)."""
    return purchases_poll()


@cron("17 * * * *")
@task
def premium_expiry_remind() -> int:
    """Hourly: remind customers whose premium ends within three days."""
    return premium_reminders_send()
