"""Campaign and reminder tasks (django.tasks) and their schedules (crontask). Each is safe to
run twice: the campaign send holds a lease and every SMS has an idempotency key."""

from crontask import cron
from django.tasks import task

from kazan.campaigns import services


@task
def campaign_send(campaign_id: int) -> str:
    """Send one campaign (enqueued on commit by "send now", and by the per-minute job)."""
    return services.campaign_send_run(campaign_id=campaign_id)


@cron("* * * * *")
@task
def campaigns_due() -> int:
    """Every minute: start the campaigns whose time has come, resume those whose sender died."""
    return services.campaigns_due_enqueue()


@cron("5 * * * *")
@task
def reminders_due() -> int:
    """Hourly; each business gets its reminders once a day, in its own daytime (10–20 h)."""
    return services.reminders_send_due()
