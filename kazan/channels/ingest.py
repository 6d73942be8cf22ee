"""The webhook's one write: a verified inbound event stored and its processing queued in a single
statement, so a provider's burst costs one round trip and one commit per message.

On PostgreSQL with the database tasks backend (the default), one statement inserts the event
(`ON CONFLICT DO NOTHING` on the provider's unique message id: a retry inserts nothing) and, only
if it was inserted, the `inbound_process` task row for it (a data-modifying CTE). Both commit
together, so a stored event always has its task and a dropped retry never gets one. With another
tasks backend (a broker) or on SQLite the event is inserted the same way and the task enqueued
after the commit, as before; a failed enqueue is picked up by `inbound_sweep`.
"""

from typing import Any

from django.db import connection
from django.db.models import Field
from django.tasks import task_backends
from django.tasks.signals import task_enqueued

from kazan.channels.models import InboundEvent


def _row(model_fields: list[Field[Any, Any]], instance: Any) -> tuple[list[str], list[Any]]:
    """(quoted columns, parameters) of `instance` as an INSERT writes them: defaults and
    auto_now_add applied, encrypted fields encrypted, JSON adapted."""
    columns, params = [], []
    for field in model_fields:
        if field.primary_key and getattr(instance, field.attname) is None:
            continue
        columns.append(connection.ops.quote_name(str(field.column)))
        params.append(field.get_db_prep_save(field.pre_save(instance, add=True), connection))
    return columns, params


def _event_insert_sql(event: InboundEvent) -> tuple[str, list[Any]]:
    columns, params = _row(list(InboundEvent._meta.concrete_fields), event)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(InboundEvent._meta.db_table)} "  # noqa: S608
        f"({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        "ON CONFLICT (provider, provider_message_id) DO NOTHING RETURNING id"
    )
    return sql, params


def _database_backend() -> Any:
    """The tasks backend of `inbound_process` when it is the database backend on this
    connection's PostgreSQL (one statement can write both rows), else None."""
    from django_tasks_db.backend import DatabaseBackend

    from kazan.channels.tasks import inbound_process

    backend = task_backends[inbound_process.backend]
    if connection.vendor != "postgresql" or not isinstance(backend, DatabaseBackend):
        return None
    return backend


def event_insert(event: InboundEvent) -> tuple[int | None, bool]:
    """Inserts `event` unless its (provider, provider_message_id) is stored already.
    Returns (id or None for a duplicate, queued): queued is True when its processing task was
    written in the same statement; otherwise the caller enqueues it after the commit."""
    event_sql, event_params = _event_insert_sql(event)
    backend = _database_backend()
    if backend is None:
        with connection.cursor() as cursor:
            cursor.execute(event_sql, event_params)
            found = cursor.fetchone()
        return (found[0] if found else None), False

    from django_tasks_db.models import DBTaskResult, get_date_max

    from kazan.channels.tasks import inbound_process

    task_row: DBTaskResult[Any, Any] = DBTaskResult(
        id=backend._get_id(),
        args_kwargs={},
        priority=inbound_process.priority,
        task_path=inbound_process.module_path,
        queue_name=inbound_process.queue_name,
        run_after=inbound_process.run_after or get_date_max(),
        backend_name=backend.alias,
    )
    fields = [f for f in DBTaskResult._meta.concrete_fields if f.name != "args_kwargs"]
    task_columns, task_params = _row(fields, task_row)
    args_column = connection.ops.quote_name(str(DBTaskResult._meta.get_field("args_kwargs").column))
    sql = (
        f"WITH ev AS ({event_sql}), task AS ("  # noqa: S608 (names from _meta)
        f"INSERT INTO {connection.ops.quote_name(DBTaskResult._meta.db_table)} "
        f"({', '.join(task_columns)}, {args_column}) "
        f"SELECT {', '.join(['%s'] * len(task_columns))}, "
        "jsonb_build_object('args', jsonb_build_array(ev.id), 'kwargs', '{}'::jsonb) FROM ev "
        "RETURNING 1) SELECT id FROM ev"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*event_params, *task_params])
        found = cursor.fetchone()
    if found is None:
        return None, False
    task_row.args_kwargs = {"args": [found[0]], "kwargs": {}}
    task_enqueued.send(type(backend), task_result=task_row.task_result)
    return found[0], True
