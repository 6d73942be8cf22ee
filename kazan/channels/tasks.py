"""Background tasks of the channels app (django.tasks; see docs/decisions/0002)."""

from datetime import timedelta

from crontask import cron
from django.tasks import task
from django.utils import timezone

from kazan.channels import services
from kazan.channels.models import InboundEvent


@task
def inbound_process(event_id: int) -> str:
    """Process one stored inbound message (enqueued on commit by the webhook)."""
    return services.inbound_process(event_id=event_id)


@cron("* * * * *")
@task
def inbound_sweep() -> int:
    """Every minute: enqueue inbound events still waiting a minute after they arrived (a lost
    task). Processing skips an event already done, so a second task changes nothing."""
    cutoff = timezone.now() - timedelta(minutes=1)
    due = list(
        InboundEvent.objects.filter(status=InboundEvent.Status.RECEIVED, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for event_id in due:
        services.inbound_enqueue(event_id)
    return len(due)


@cron("41 3 * * *")
@task
def inbound_events_purge() -> int:
    """Daily: handled inbound events past their retention (see the service)."""
    return services.inbound_events_purge()
