"""Test helpers other apps use to drive background work without a worker process: call
`tasks_run_all()` after `sms_send(...)` and the SMS is delivered (console provider: status
"delivered"), as a worker would have done."""

from django.tasks import TaskResultStatus, default_task_backend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from kazan.messaging.outbox import outbox_sweep_due


def tasks_run_all(*, sweep: bool = True, raise_errors: bool = True, max_tasks: int = 1000) -> int:
    """Runs every task that is due now, in this process, the way `db_worker --batch` would,
    until none is left (tasks enqueued by tasks run too). Returns how many ran.

    `sweep` first enqueues outbox messages that have no delivery task yet: a test wrapped in a
    transaction (the `db` fixture) never commits, so `transaction.on_commit` never enqueued them.
    Tasks whose `run_after` is in the future (retries after backoff) stay queued: move the clock
    (time_machine) and call again. Unlike `Worker.run`, this never closes the connection, so it
    works inside the test's transaction. A task that raised fails the call (`raise_errors`)
    with its traceback, so a broken task cannot pass a test unnoticed.
    """
    if sweep:
        outbox_sweep_due(grace_seconds=0, repeat_seconds=0)
    backend_name = default_task_backend.alias
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=None,
        worker_id="tests-in-process",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < max_tasks:
        tasks = DBTaskResult.objects.ready().filter(backend_name=backend_name)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(worker.worker_id)
        if task_result is None:
            return ran
        worker.run_task(task_result)
        ran += 1
        if raise_errors:
            task_result.refresh_from_db()
            if task_result.status == TaskResultStatus.FAILED:
                raise AssertionError(
                    f"task {task_result.task_path} failed:\n{task_result.traceback}"
                )
    raise RuntimeError(f"tasks_run_all: still tasks left after {max_tasks}; a task loop?")
