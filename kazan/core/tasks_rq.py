"""The Redis Queue tasks backend (`KAZAN_TASKS_BACKEND=rq`, docs/scaling.md): what the database
backend did by itself and RQ does not.

- A job whose worker died (SIGKILL, lost machine) is moved by RQ to the failed jobs as
  "abandoned"; the database backend's lease put such a task back in the queue instead.
  `rq_abandoned_requeue` does the same for RQ, run every minute by `tasks_requeue_stale`.
- `rq_run_burst` runs the queued jobs in this process (tests and the broker bench), as
  `manage.py rqworker --burst` would in another.

Imports of rq stay inside the functions: the package is only needed when the backend is chosen.
"""

import logging
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# A job killed this many times is left in the failed jobs (a task that kills its worker, e.g. by
# running out of memory, must not loop for ever); staff see it in the RQ dashboard or the logs.
ABANDONED_MAX_RUNS = 3
ABANDONED = "AbandonedJobError"


def rq_enabled() -> bool:
    return bool(settings.TASKS["default"]["BACKEND"] == settings.TASKS_BACKEND_RQ)


def _queues() -> list[Any]:
    import django_rq
    from django_tasks_rq.backend import Job

    return [django_rq.get_queue(name, job_class=Job) for name in settings.RQ_QUEUES]


def rq_abandoned_requeue() -> int:
    """Puts jobs whose worker died back in their queue; returns how many."""
    from rq.exceptions import NoSuchJobError
    from rq.results import Result

    requeued = 0
    for queue in _queues():
        registry = queue.failed_job_registry
        for job_id in registry.get_job_ids():
            try:
                job = queue.fetch_job(job_id)
            except NoSuchJobError:
                continue
            if job is None:
                continue
            results = job.results()
            if not results or results[0].type != Result.Type.FAILED:
                continue
            if ABANDONED not in (results[0].exc_string or ""):
                continue  # a task that raised stays failed, as with the database backend
            if len(results) >= ABANDONED_MAX_RUNS:
                continue
            registry.requeue(job_id)
            requeued += 1
    if requeued:
        logger.warning("requeued %d jobs of dead workers", requeued)
    return requeued


def rq_run_burst(*, with_scheduled: bool = False) -> int:
    """Runs every queued job in this process until the queues are empty (jobs enqueued by jobs
    too); returns how many ran. `with_scheduled` first moves jobs whose `run_after` has passed
    into their queue, as the scheduler of `rqworker --with-scheduler` does."""
    from django_tasks.signals import task_finished
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queues = _queues()
    connection = queues[0].connection
    if with_scheduled:
        from rq.scheduler import RQScheduler

        scheduler = RQScheduler(queues, connection=connection)
        scheduler.acquire_locks()
        try:
            scheduler.enqueue_scheduled_jobs()
        finally:
            scheduler.release_locks()
    finished: list[object] = []

    def count(sender: object, task_result: object, **kwargs: object) -> None:
        finished.append(task_result)

    task_finished.connect(count, weak=False)
    try:
        SimpleWorker(queues, connection=connection, job_class=Job).work(
            burst=True, logging_level="WARNING"
        )
    finally:
        task_finished.disconnect(count)
    return len(finished)
