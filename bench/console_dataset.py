"""The console bench's data set, kept in the bench database and reused while the marker row
(`bench_console_dataset`) says it is this very one, because building it takes about a minute
(`--console-rebuild` builds it anew, `--console-scale 0.01` a hundredth of it for a quick try):

- 1,000 businesses (slugs `cb-0001`…) around ~50 European cities, ~5 % suspended, joined over the
  last three years (more of them recently), all in Europe/Berlin time, each with a subscription
  to one of the SMS packages (~10 % on custom terms), an SMS credit account and ~3,500 payments
  in all over the last two years (80 % paid, 8 % failed, 7 % cancelled, 5 % pending), each paid
  one with its ledger entry;
- 1,000,000 customers shared out by a heavy-tailed weight per business (a few busy cafés, many
  small ones); 80 % with an encrypted phone number, 15 % with an encrypted email, 0.5 % erased.
  Encrypting a million values would take longer than the rest together, so 1,000 distinct
  numbers and addresses are encrypted once (by the real fields, so they decrypt) and reused,
  each customer with a distinct blind index of its own;
- 5,000,000 analytics events over the last 365 days (never before the business joined; twice as
  many a day now as a year ago), in funnel proportions (35 % page views, 20 % QR scans, …
  1.5 % redeemed vouchers), and the matching DailyCount rows, computed from the events with one
  INSERT … SELECT … GROUP BY in each business's time zone (the counters the app keeps as events
  happen);
- ~100,000 reviews, ~200,000 vouchers (85 % welcome gifts, one per customer; ~35 % redeemed) and
  ~200,000 activity rows.

Rows that the app appends as time goes by (events, daily counters, reviews, vouchers, activity)
are written in time order, as the app would have written them, so a scan of "the last four
weeks" touches the pages it would touch in production. PostgreSQL writes everything itself
(INSERT … SELECT over generate_series; COPY for the rows made in Python) in one transaction,
with foreign-key triggers off for the load (session_replication_role: the bench database's user
is a superuser) and the event and customer tables' secondary indexes built after the load.
Then VACUUM ANALYZE, as autovacuum would have done by the time a table is this size (it is off on
these machines).
"""

import json
import time
from dataclasses import asdict

from bench.console_build import build, contacts_encrypt
from bench.console_sizes import DISTINCT_CIPHERTEXTS, SLUG_PREFIX, Sizes

DATASET_VERSION = 3  # bump when the generator changes: the next run rebuilds
MARKER_TABLE = "bench_console_dataset"


def _marker(cursor) -> dict | None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
        "(version int, sizes jsonb, built_at timestamptz, seconds double precision)"
    )
    cursor.execute(f"SELECT version, sizes, seconds FROM {MARKER_TABLE}")
    row = cursor.fetchone()
    return {"version": row[0], "sizes": row[1], "seconds": row[2]} if row else None


def _delete_old(conn) -> bool:
    """Removes an earlier data set (children first, triggers off), then the businesses through
    the ORM so that anything else that points at them goes too. True if there was one."""
    from kazan.tenancy.models import Business

    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            "CREATE TEMP TABLE cb_old ON COMMIT DROP AS "
            "SELECT id FROM tenancy_business WHERE slug LIKE %s",
            [SLUG_PREFIX + "%"],
        )
        cursor.execute("SELECT count(*) FROM cb_old")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in (
            "analytics_event",
            "analytics_dailycount",
            "loyalty_review",
            "loyalty_voucher",
            "activity_activity",
            "messaging_smscreditentry",
            "messaging_smscreditaccount",
            "billing_payment",
            "billing_subscription",
            "customers_customer",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE business_id IN (SELECT id FROM cb_old)")
    Business.objects.filter(slug__startswith=SLUG_PREFIX).delete()
    return True


TOUCHED_TABLES = [
    "tenancy_business",
    "billing_subscription",
    "billing_payment",
    "messaging_smscreditaccount",
    "messaging_smscreditentry",
    "customers_customer",
    "analytics_event",
    "analytics_dailycount",
    "loyalty_review",
    "loyalty_voucher",
    "activity_activity",
]


def dataset_ensure(sizes: Sizes, *, rebuild: bool = False, log=print) -> dict:
    """Builds the data set unless the marker says this very one is there. Returns the marker."""
    import os

    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        with conn.cursor() as cursor:
            marker = _marker(cursor)
            cursor.execute(
                "SELECT count(*) FROM tenancy_business WHERE slug LIKE %s", [SLUG_PREFIX + "%"]
            )
            present = cursor.fetchone()[0]
        wanted = {"version": DATASET_VERSION, "sizes": asdict(sizes)}
        if (
            not rebuild
            and marker
            and {"version": marker["version"], "sizes": marker["sizes"]} == wanted
            and present == sizes.businesses
        ):
            log(f"console data set present (built in {marker['seconds']:.0f} s); reusing it")
            return marker | {"built": False}

        started = time.monotonic()
        steps: list[tuple[str, float]] = []

        def step(name: str, since: float) -> float:
            now = time.monotonic()
            steps.append((name, now - since))
            log(f"  {name}: {now - since:.1f} s")
            return now

        log("building the console data set …")
        t = started
        if _delete_old(conn):
            with conn.cursor() as cursor:
                for table in TOUCHED_TABLES:
                    cursor.execute(f"VACUUM FULL {table}")
            t = step("earlier data set deleted (VACUUM FULL)", t)
        ciphertexts = contacts_encrypt()
        t = step(f"{DISTINCT_CIPHERTEXTS:,} phones and emails encrypted", t)
        with conn.transaction(), conn.cursor() as cursor:
            build(cursor, sizes, ciphertexts, step)
            seconds = time.monotonic() - started
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, now(), %s)",
                [DATASET_VERSION, json.dumps(asdict(sizes)), seconds],
            )
        t = time.monotonic()
        with conn.cursor() as cursor:
            for table in TOUCHED_TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
        t = step("VACUUM ANALYZE", t)
        seconds = time.monotonic() - started
        with conn.cursor() as cursor:
            cursor.execute(f"UPDATE {MARKER_TABLE} SET seconds = %s", [seconds])
        log(f"console data set built in {seconds:.0f} s")
        return {"version": DATASET_VERSION, "sizes": asdict(sizes), "seconds": seconds} | {
            "built": True,
            "steps": steps,
        }
