"""SQL and COPY helpers for the console data set: the build lets PostgreSQL draw the random rows
(CASE over random(), COPY for rows made in Python), and these keep that SQL short."""

import math


def _cumulative(shares: list[float]) -> list[float]:
    total, out = 0.0, []
    for share in shares:
        total += share
        out.append(total)
    out[-1] = 1.0
    return out


def sql_case(column: str, values: list[str], shares: list[float]) -> str:
    """SQL CASE picking values[i] with probability shares[i] from a uniform `column`."""
    whens = " ".join(
        f"WHEN {column} < {bound!r} THEN '{value}'"
        for value, bound in zip(values[:-1], _cumulative(shares)[:-1], strict=True)
    )
    return f"CASE {whens} ELSE '{values[-1]}' END"


def apportion(total: int, weights: list[float]) -> list[int]:
    """Whole numbers in proportion to `weights` that add up to `total` (largest remainder)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def indexes_drop(cursor, table: str) -> list[str]:
    """Drops the table's secondary indexes that no constraint owns; returns their definitions."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """,
        [table],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]
