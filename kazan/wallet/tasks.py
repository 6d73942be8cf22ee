"""The wallet's periodic jobs (`manage.py crontask`): safe to run twice or late — a purchase is
credited once (its entry reference), a period reminded once (PremiumPeriod.reminded_at)."""

from crontask import cron
from django.tasks import task

from kazan.wallet.services import unscoped_premium_reminders_send, unscoped_purchases_poll


@cron("*/5 * * * *")
@task
def token_purchases_poll() -> int:
    """Every five minutes: ask the gateway about unfinished purchases (a lost webhook still
    credits; an expired invoice closes)."""
    return unscoped_purchases_poll()


@cron("17 * * * *")
@task
def premium_expiry_remind() -> int:
    """Hourly: remind customers whose premium ends within three days."""
    return unscoped_premium_reminders_send()
