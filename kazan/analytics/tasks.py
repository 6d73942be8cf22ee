"""Analytics tasks (django.tasks) and their schedules (crontask): building console exports in
the background, and deleting them when they are old. Both are safe to run twice."""

from crontask import cron
from django.tasks import task

from kazan.analytics import services


@task
def export_build(job_id: int) -> str:
    """Build one export's file (enqueued on commit by `export_request`)."""
    return services.export_run(job_id=job_id)


@cron("23 4 * * *")
@task
def exports_expire() -> int:
    """Daily: delete export files older than EXPORT_RETENTION_DAYS (7 by default)."""
    return services.exports_expire()
