"""Billing's periodic jobs (`manage.py crontask`). Both are safe to run twice or late: the
allowance is granted once per business and month, a warning email once per level and period."""

from crontask import cron
from django.tasks import task

from kazan.billing import services
from kazan.billing.services import dunning, invoices, manual_plans, plan_resync


@cron("7 * * * *")
@task
def allowance_grant_monthly() -> int:
    """Hourly, so a new month (or a new business) gets its allowance within the hour."""
    return services.allowance_grant_monthly()


@cron("*/10 * * * *")
@task
def quota_warnings_notify() -> int:
    """Every ten minutes: email the owners of businesses that crossed 80 % or 95 %."""
    return services.quota_notify_all()


@task
def payment_proforma_send(payment_id: int, attempt: int = 1) -> str:
    """The pro-forma invoice of a manual payment (enqueued on commit). `attempt` is ignored:
    tasks queued before the mail task took over retrying still carry it."""
    return services.payment_proforma_send(payment_id=payment_id)


@cron("17 * * * *")
@task
def plan_renewals_run() -> int:
    """Hourly: trials ended without a paid plan → past due; cancellations at their period's
    end; transfer-paid renewals invoiced ahead, unpaid ones past due (idempotent)."""
    return manual_plans.plan_renewals_run()


@cron("27 * * * *")
@task
def dunning_run() -> int:
    """Hourly: payment reminders to the owners of past-due plans, once per step."""
    return dunning.dunning_run()


@cron("37 * * * *")
@task
def grace_run() -> int:
    """Hourly: past due longer than the grace period → suspended by billing."""
    return dunning.grace_run()


@cron("47 * * * *")
@task
def invoices_undelivered_run() -> int:
    """Hourly: invoices and credit notes whose PDF and email did not go out after the commit,
    tried again for three days."""
    return invoices.invoices_undelivered_run()


@cron("53 4 * * *")
@task
def plan_subscriptions_resync() -> int:
    """Daily: gateway-held plans overdue for news (a period that ended a day ago without its
    renewal reported, a payment outcome awaited for a day) are asked for at their gateway and
    brought up to date, so webhooks lost beyond the gateway's own retries (Stripe about three
    days, Razorpay 24 hours) do not leave a plan in its last state for ever."""
    return plan_resync.plan_subscriptions_resync()
