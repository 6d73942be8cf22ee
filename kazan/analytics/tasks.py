"""Analytics tasks (django.tasks) and their schedules (crontask): building console exports in
the background, deleting them when they are old, and writing the buffered visit counts. All
are safe to run twice."""

from crontask import cron
from django.tasks import task

from kazan.analytics import services
from kazan.analytics.services.history import unscoped_events_history_purge


@task
def export_build(job_id: int) -> str:
    """Build one export's file (enqueued on commit by `export_request`)."""
    return services.export_run(job_id=job_id)


@cron("23 4 * * *")
@task
def exports_expire() -> int:
    """Daily: delete export files older than EXPORT_RETENTION_DAYS (7 by default)."""
    return services.exports_expire()


@cron("* * * * *")
@task
def events_flush() -> int:
    """Every minute: the visits and scans counted in Redis become event rows and daily counts
    (services.buffer; with no Redis there is nothing to flush)."""
    return services.events_buffered_flush()


@cron("52 3 * * *")
@task
def events_history_purge() -> int:
    """Daily: each business's raw events older than its plan's analytics history."""
    return unscoped_events_history_purge()
