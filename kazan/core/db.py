"""Database helpers shared by the services."""

from collections.abc import Callable
from contextlib import contextmanager
from functools import partial
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, connection, models, transaction


def insert_or_fetch[T](insert: Callable[[], T], fetch: Callable[[], T | None]) -> tuple[T, bool]:
    """Run `insert` in a savepoint; if a unique constraint says another request won the race,
    return the winner from `fetch` instead. Returns (row, inserted).

    Call inside the service's transaction, after a plain look-up found nothing. An
    IntegrityError that no row explains (another constraint) is not a race and is re-raised.
    """
    try:
        with transaction.atomic():
            return insert(), True
    except IntegrityError:
        winner = fetch()
        if winner is None:
            raise
        return winner, False


@contextmanager
def atomic_relaxed():
    """A transaction whose commit does not wait for the disk (PostgreSQL
    `synchronous_commit = off`), for writes that may be lost in the last moment before a crash
    without harm: visit and click counters. Only when it is the outermost transaction — inside
    another one it is a plain savepoint, so it never relaxes anybody else's writes."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


class AppendOnlyQuerySet[M: models.Model](models.QuerySet[M]):
    """For ledgers and logs whose history is the record: bulk updates and deletes are refused,
    so a balance or a chain of changes can always be re-derived from the rows."""

    def update(self, **kwargs: object) -> int:
        raise TypeError(f"{self.model._meta.label} is append-only: rows are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model._meta.label} is append-only: rows are never deleted.")


class AppendOnlyModel(models.Model):
    """A row of a ledger or a log: written once, never changed or removed one by one (the
    business's cascade deletes them with it)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self._meta.label} is append-only: rows are never deleted.")


# --- bulk inserts by COPY ------------------------------------------------------------------------

_PLAIN_FIELD_MODULE = "django.db.models.fields"


def _db_prep_save(field: models.Field[Any, Any], value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Inserts `rows` ({attname: value}; the fields left out take their model default, the
    `auto_now(_add)` ones the current time) and returns their new ids, in order.

    On PostgreSQL: the ids are drawn from the table's sequence in one query and the rows go in
    with one COPY, several times faster than an INSERT of thousands of parameters. Elsewhere:
    bulk_create. Constraints hold either way (a duplicate raises IntegrityError); model
    `save()` and signals are skipped, as with bulk_create.
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create([model(**row) for row in rows])
        return [obj.pk for obj in created]
    from django.utils import timezone

    now = timezone.now()
    # Worked out once, not per row: the value every row lacking a column takes (a constant, or
    # a callable for a default like dict), the columns that need a value, and which columns
    # go through their field's get_db_prep_save (by position in the COPY row, after the id).
    constants: dict[str, Any] = {}
    makers: list[tuple[str, Callable[[], Any]]] = []
    preps: list[tuple[int, Callable[[Any], Any]]] = []
    for position, field in enumerate(fields, start=1):
        custom = (
            type(field).__module__ != _PLAIN_FIELD_MODULE
            and not isinstance(field, models.ForeignKey)
        ) or isinstance(field, models.JSONField)
        if custom:
            preps.append((position, partial(_db_prep_save, field)))
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constants[field.attname] = now
        elif field.has_default():
            if callable(field.default):
                makers.append((field.attname, field.get_default))
            else:
                constants[field.attname] = field.get_default()
        elif field.null:
            constants[field.attname] = None
    attnames = [field.attname for field in fields]
    pick = itemgetter(*attnames) if len(attnames) > 1 else lambda row: (row[attnames[0]],)
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk_column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        names = ", ".join(
            connection.ops.quote_name(str(f.column)) for f in [model._meta.pk, *fields]
        )
        # Django's wrapper: a duplicate raises django.db.IntegrityError, as with bulk_create.
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
            ) as copy,
        ):
            for pk, row in zip(ids, rows, strict=True):
                full = constants | row
                for attname, make in makers:
                    if attname not in row:
                        full[attname] = make()
                try:
                    values = [pk, *pick(full)]
                except KeyError as missing:
                    raise ValueError(f"{model.__name__}.{missing.args[0]} needs a value") from None
                for position, prep in preps:
                    values[position] = prep(values[position])
                copy.write_row(values)
    return ids
