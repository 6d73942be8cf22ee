"""The platform console overview at platform scale: `python -m bench --only console`.

The data set (built once, then reused; `--console-rebuild` builds it anew, `--console-scale 0.01`
builds a hundredth of it for a quick try):

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
is a superuser) and the event and customer tables' secondary indexes built after the load; the
row in `bench_console_dataset` says what was built. Then VACUUM ANALYZE, as autovacuum would
have done by the time a table is this size (it is off on these machines). About a minute here.

Measured: the page `/console/` for a signed-in staff member (the session cookie is given to
wrk), served by the same granian server as the other web benches and set against the bare view
in the same run, under 32 connections and under one; the page's queries in-process
(django.test.Client, each query timed); and, apart, the cold computation of the statistics the
page reads from the cache (kazan.console.queries.overview_stats_compute, which the scheduler
runs every ten minutes) and the page with an empty cache.
"""

import json
import math
import random
import statistics
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

SLUG_PREFIX = "cb-"
DATASET_VERSION = 2  # bump when the generator changes: the next run rebuilds
MARKER_TABLE = "bench_console_dataset"
PHONE_SHARE = 0.80
EMAIL_SHARE = 0.15
DISTINCT_CIPHERTEXTS = 1_000


@dataclass(frozen=True)
class Sizes:
    businesses: int = 1_000
    customers: int = 1_000_000
    events: int = 5_000_000
    reviews: int = 100_000
    vouchers: int = 200_000
    activities: int = 200_000
    payments_per_business: float = 8.0

    def scaled(self, factor: float) -> "Sizes":
        if factor == 1:
            return self
        return replace(
            self,
            **{
                name: max(10, round(getattr(self, name) * factor))
                for name in (
                    "businesses",
                    "customers",
                    "events",
                    "reviews",
                    "vouchers",
                    "activities",
                )
            },
        )


# (city, country, latitude, longitude, weight): where the businesses are.
CITIES = [
    ("Berlin", "DE", 52.520, 13.405, 6),
    ("Hamburg", "DE", 53.551, 9.994, 4),
    ("München", "DE", 48.137, 11.575, 4),
    ("Köln", "DE", 50.938, 6.960, 3),
    ("Frankfurt", "DE", 50.110, 8.682, 3),
    ("Stuttgart", "DE", 48.776, 9.183, 2),
    ("Düsseldorf", "DE", 51.227, 6.773, 2),
    ("Leipzig", "DE", 51.340, 12.375, 2),
    ("Dresden", "DE", 51.050, 13.738, 1),
    ("Nürnberg", "DE", 49.452, 11.077, 1),
    ("Wien", "AT", 48.208, 16.373, 3),
    ("Zürich", "CH", 47.377, 8.541, 2),
    ("Amsterdam", "NL", 52.368, 4.904, 2),
    ("Rotterdam", "NL", 51.924, 4.478, 1),
    ("Bruxelles", "BE", 50.850, 4.352, 1),
    ("Paris", "FR", 48.857, 2.352, 2),
    ("Lyon", "FR", 45.764, 4.836, 1),
    ("Marseille", "FR", 43.296, 5.370, 1),
    ("Madrid", "ES", 40.417, -3.704, 3),
    ("Barcelona", "ES", 41.387, 2.170, 3),
    ("Valencia", "ES", 39.470, -0.376, 1),
    ("Sevilla", "ES", 37.389, -5.984, 1),
    ("Lisboa", "PT", 38.722, -9.139, 1),
    ("Porto", "PT", 41.150, -8.611, 1),
    ("Roma", "IT", 41.903, 12.496, 3),
    ("Milano", "IT", 45.464, 9.190, 3),
    ("Napoli", "IT", 40.852, 14.268, 1),
    ("Torino", "IT", 45.070, 7.687, 1),
    ("Firenze", "IT", 43.770, 11.255, 1),
    ("İstanbul", "TR", 41.008, 28.978, 5),
    ("Ankara", "TR", 39.934, 32.860, 2),
    ("İzmir", "TR", 38.424, 27.143, 2),
    ("Antalya", "TR", 36.897, 30.713, 1),
    ("Warszawa", "PL", 52.230, 21.012, 1),
    ("Kraków", "PL", 50.065, 19.945, 1),
    ("Praha", "CZ", 50.076, 14.438, 1),
    ("Budapest", "HU", 47.498, 19.040, 1),
    ("København", "DK", 55.676, 12.568, 1),
    ("Stockholm", "SE", 59.329, 18.069, 1),
    ("Oslo", "NO", 59.914, 10.752, 1),
    ("Helsinki", "FI", 60.170, 24.938, 1),
    ("Dublin", "IE", 53.350, -6.260, 1),
    ("London", "GB", 51.507, -0.128, 2),
    ("Manchester", "GB", 53.480, -2.242, 1),
    ("Edinburgh", "GB", 55.953, -3.189, 1),
    ("Athína", "GR", 37.984, 23.728, 1),
    ("București", "RO", 44.426, 26.103, 1),
    ("Sofia", "BG", 42.698, 23.322, 1),
    ("Zagreb", "HR", 45.815, 15.982, 1),
    ("Ljubljana", "SI", 46.057, 14.506, 1),
]
LANGUAGE_OF_COUNTRY = {"DE": "de", "AT": "de", "CH": "de", "TR": "tr", "IT": "it", "ES": "es"}
TRADES = [
    "Café",
    "Bäckerei",
    "Pizzeria",
    "Barber",
    "Kebab",
    "Trattoria",
    "Bistro",
    "Eiscafé",
    "Friseur",
    "Nail Studio",
    "Burger Bar",
    "Tapas Bar",
    "Döner",
    "Sushi",
    "Bakery",
    "Yoga Studio",
    "Blumen",
    "Buchladen",
]
OWNERS = ["Anna", "Luca", "Mehmet", "Sofia", "Jonas", "Elif", "Marco", "Lena", "Pablo", "Emma"]
GATEWAYS = [("stripe", 0.5), ("manual", 0.3), ("razorpay", 0.1), ("oxapay", 0.1)]
PAYMENT_STATES = [("paid", 0.80), ("failed", 0.08), ("cancelled", 0.07), ("pending", 0.05)]

# Funnel proportions of the events: (kind, share, carries a customer).
EVENT_KINDS = [
    ("page_view", 0.35, False),
    ("qr_scan", 0.20, False),
    ("data_entered", 0.10, True),
    ("otp_sent", 0.08, True),
    ("otp_verified", 0.07, True),
    ("review_submitted", 0.02, True),
    ("google_review_click", 0.03, True),
    ("voucher_issued", 0.04, True),
    ("voucher_redeemed", 0.015, True),
    ("social_click", 0.05, False),
    ("link_click", 0.045, True),
]
# Activity actions: (action, share, actor_kind, target_type).
ACTIVITY_ACTIONS = [
    ("customer.created", 0.30, "customer", "customer"),
    ("voucher.issued", 0.15, "system", "voucher"),
    ("voucher.redeemed", 0.10, "user", "voucher"),
    ("review.submitted", 0.08, "customer", "review"),
    ("consent.granted", 0.12, "customer", "customer"),
    ("sms.queued", 0.10, "system", "outboundmessage"),
    ("customer.updated", 0.04, "user", "customer"),
    ("business.settings_edited", 0.03, "user", "business"),
    ("customer.exported", 0.02, "staff", "business"),
    ("user.login", 0.05, "user", "user"),
    ("sms_credits.granted", 0.01, "system", "business"),
]


def _cumulative(shares: list[float]) -> list[float]:
    total, out = 0.0, []
    for share in shares:
        total += share
        out.append(total)
    out[-1] = 1.0
    return out


def _case(column: str, values: list[str], shares: list[float]) -> str:
    """SQL CASE picking values[i] with probability shares[i] from a uniform `column`."""
    whens = " ".join(
        f"WHEN {column} < {bound!r} THEN '{value}'"
        for value, bound in zip(values[:-1], _cumulative(shares)[:-1], strict=True)
    )
    return f"CASE {whens} ELSE '{values[-1]}' END"


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Whole numbers in proportion to `weights` that add up to `total` (largest remainder)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _businesses_plan(sizes: Sizes, now: datetime, rng: random.Random) -> list[dict]:
    cities = [c for c in CITIES for _ in range(c[4])]
    rows = []
    for n in range(sizes.businesses):
        city, country, lat, lon, _weight = rng.choice(cities)
        # Three years of sign-ups, growing: the density of sqrt(u) rises towards now.
        age_days = 1095 * (1 - math.sqrt(rng.random())) + 1
        rows.append(
            {
                "slug": f"{SLUG_PREFIX}{n + 1:04d}",
                "name": f"{rng.choice(TRADES)} {rng.choice(OWNERS)} {city}",
                "address": f"Hauptstraße {rng.randint(1, 200)}, {city}",
                "country": country,
                "latitude": round(lat + rng.gauss(0, 0.06), 6),
                "longitude": round(lon + rng.gauss(0, 0.09), 6),
                "language": LANGUAGE_OF_COUNTRY.get(country, "en"),
                "status": "suspended" if rng.random() < 0.05 else "active",
                "created_at": now - timedelta(days=age_days),
                # Heavy tail: a few businesses have most customers and events.
                "weight": rng.paretovariate(1.2),
            }
        )
    return rows


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _indexes_drop(cursor, table: str) -> list[str]:
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


def _ciphertexts() -> list[tuple[int, str, str]]:
    """1,000 distinct phone numbers and emails, encrypted once by the real fields."""
    from kazan.customers.models import Customer

    phone_field = Customer._meta.get_field("phone_e164")
    email_field = Customer._meta.get_field("email")
    return [
        (
            k,
            phone_field.get_prep_value(f"+4915{k:09d}"),
            email_field.get_prep_value(f"guest{k}@example.com"),
        )
        for k in range(DISTINCT_CIPHERTEXTS)
    ]


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
        ciphertexts = _ciphertexts()
        t = step(f"{DISTINCT_CIPHERTEXTS:,} phones and emails encrypted", t)
        with conn.transaction(), conn.cursor() as cursor:
            _build(cursor, sizes, ciphertexts, step)
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


def _build(cursor, sizes: Sizes, ciphertexts, step) -> None:
    rng = random.Random(20261201)
    now = datetime.now(UTC).replace(microsecond=0)
    t = time.monotonic()
    cursor.execute("SELECT setseed(0.4242)")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers in the load

    # Businesses, their subscriptions, credit accounts and payments: made in Python, COPY'd.
    plan = _businesses_plan(sizes, now, rng)
    _copy(
        cursor,
        "tenancy_business",
        [
            "slug",
            "name",
            "address",
            "country",
            "latitude",
            "longitude",
            "language",
            "timezone",
            "currency",
            "logo",
            "brand_color",
            "website_url",
            "instagram_url",
            "facebook_url",
            "tiktok_url",
            "google_review_url",
            "client_id",
            "status",
            "created_at",
            "allowed_countries",
            "greeting",
            "thank_you_text",
            "voucher_discount_text",
            "voucher_validity_days",
        ],
        (
            [
                b["slug"],
                b["name"],
                b["address"],
                b["country"],
                b["latitude"],
                b["longitude"],
                b["language"],
                "Europe/Berlin",
                "EUR",
                "",
                "#1f7a5a",
                "",
                f"https://instagram.com/{b['slug']}",
                "",
                "",
                f"https://g.page/r/{b['slug']}/review",
                f"pk_{b['slug']}_{rng.getrandbits(64):016x}",
                b["status"],
                b["created_at"],
                "[]",
                "",
                "",
                "10 %",
                30,
            ]
            for b in plan
        ),
    )
    cursor.execute("SELECT slug, id FROM tenancy_business WHERE slug LIKE %s", [SLUG_PREFIX + "%"])
    ids = dict(cursor.fetchall())
    for b in plan:
        b["id"] = ids[b["slug"]]

    cursor.execute("SELECT id, key, sms_per_month, price_minor FROM billing_smspackage")
    packages = cursor.fetchall()
    package_weights = [5, 3, 1][: len(packages)] + [1] * max(0, len(packages) - 3)
    month = now.strftime("%Y-%m")
    subscriptions, accounts, payments = [], [], []
    for b in plan:
        package_id, _key, sms, price = rng.choices(packages, weights=package_weights)[0]
        custom = rng.random() < 0.10  # staff gave this one its own terms
        subscriptions.append(
            [
                b["id"],
                package_id,
                round(sms * rng.choice([1.5, 2, 3])) if custom else sms,
                round(price * rng.choice([0.5, 0.8, 1.2])) if custom else price,
                "EUR",
                now.replace(day=1, hour=0, minute=0, second=0),
                month,
                b["created_at"],
                now,
            ]
        )
        accounts.append([b["id"], rng.randint(0, sms * 2), now])
        span = min(now - b["created_at"], timedelta(days=730))
        for _ in range(
            round(rng.expovariate(1 / sizes.payments_per_business) * span / timedelta(days=730))
        ):
            package_id, _key, sms, price = rng.choices(packages, weights=package_weights)[0]
            status = rng.choices(*zip(*PAYMENT_STATES, strict=True))[0]
            gateway = rng.choices(*zip(*GATEWAYS, strict=True))[0]
            created = now - span * rng.random()
            reference = "" if gateway == "manual" else f"cs_bench_{rng.getrandbits(64):016x}"
            payments.append(
                [
                    b["id"],
                    package_id,
                    gateway,
                    price,
                    "EUR",
                    sms,
                    status,
                    reference,
                    created,
                    created + timedelta(minutes=2) if status == "paid" else None,
                    created + timedelta(minutes=30) if status in ("failed", "cancelled") else None,
                ]
            )
    _copy(
        cursor,
        "billing_subscription",
        [
            "business_id",
            "package_id",
            "sms_allowance",
            "price_minor",
            "currency",
            "current_period_start",
            "allowance_granted_for",
            "created_at",
            "updated_at",
        ],
        subscriptions,
    )
    _copy(cursor, "messaging_smscreditaccount", ["business_id", "balance", "updated_at"], accounts)
    _copy(
        cursor,
        "billing_payment",
        [
            "business_id",
            "package_id",
            "gateway",
            "amount_minor",
            "currency",
            "sms_credits",
            "status",
            "gateway_reference",
            "created_at",
            "paid_at",
            "closed_at",
        ],
        payments,
    )
    cursor.execute(
        """
        INSERT INTO messaging_smscreditentry
            (business_id, kind, amount, balance_after, reference, note, created_at)
        SELECT p.business_id, 'purchase', p.sms_credits, p.sms_credits, 'payment:' || p.id,
               'payment', p.paid_at
        FROM billing_payment p JOIN tenancy_business b ON b.id = p.business_id
        WHERE b.slug LIKE %s AND p.status = 'paid'
        """,
        [SLUG_PREFIX + "%"],
    )
    t = step(
        f"{len(plan):,} businesses, subscriptions, credit accounts, {len(payments):,} payments", t
    )

    # Who gets how many of the bulk rows: one row per business, read by the INSERT … SELECTs.
    customers = _apportion(sizes.customers, [b["weight"] for b in plan])
    events = _apportion(sizes.events, [b["weight"] * rng.uniform(0.6, 1.6) for b in plan])
    activities = _apportion(sizes.activities, [b["weight"] * rng.uniform(0.6, 1.6) for b in plan])
    reviews = _apportion(sizes.reviews, customers)
    vouchers = _apportion(sizes.vouchers, customers)
    vouchers = [min(v, c) for v, c in zip(vouchers, customers, strict=True)]
    cursor.execute("LOCK TABLE customers_customer IN EXCLUSIVE MODE")
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM customers_customer")
    first = cursor.fetchone()[0]
    cursor.execute(
        """
        CREATE TEMP TABLE cb_alloc (
            business_id bigint, created_at timestamptz, span interval, cust_first bigint,
            cust_n int, ev_n int, rev_n int, vou_n int, act_n int
        ) ON COMMIT DROP
        """
    )
    rows = []
    for b, c, e, r, v, a in zip(
        plan, customers, events, reviews, vouchers, activities, strict=True
    ):
        rows.append(
            [
                b["id"],
                b["created_at"],
                min(now - b["created_at"], timedelta(days=365)),
                first,
                max(c, 1),
                e,
                r,
                v,
                a,
            ]
        )
        first += max(c, 1)
    _copy(
        cursor,
        "cb_alloc",
        [
            "business_id",
            "created_at",
            "span",
            "cust_first",
            "cust_n",
            "ev_n",
            "rev_n",
            "vou_n",
            "act_n",
        ],
        rows,
    )
    cursor.execute("CREATE TEMP TABLE cb_cipher (k int, phone text, email text) ON COMMIT DROP")
    _copy(cursor, "cb_cipher", ["k", "phone", "email"], ciphertexts)
    cursor.execute("ANALYZE cb_alloc")
    cursor.execute("ANALYZE cb_cipher")

    dropped = _indexes_drop(cursor, "customers_customer")
    language = _case("r3", ["de", "en", "tr", "it", "es"], [0.4, 0.25, 0.15, 0.1, 0.1])
    cursor.execute(
        f"""
        INSERT INTO customers_customer (
            id, business_id, name, phone_e164, phone_index, email, email_index, language,
            first_interaction_at, last_interaction_at, phone_verified_at, erased_at, created_at
        )
        SELECT id, business_id,
               CASE WHEN erased THEN '' ELSE 'Guest ' || id END,
               CASE WHEN has_phone THEN c.phone ELSE '' END,
               CASE WHEN has_phone THEN encode(sha256(('cb-phone:' || id)::bytea), 'hex') END,
               CASE WHEN has_email THEN c.email ELSE '' END,
               CASE WHEN has_email THEN encode(sha256(('cb-email:' || id)::bytea), 'hex') END,
               {language},
               created, created + (now() - created) * r5 * r5,
               CASE WHEN has_phone THEN created + interval '2 minutes' END,
               CASE WHEN erased THEN created + (now() - created) * r5 END,
               created
        FROM (
            SELECT id, business_id,
                   r1 < {PHONE_SHARE} AND r1 < 0.995 AS has_phone,
                   r2 < {EMAIL_SHARE} AND r1 < 0.995 AS has_email,
                   r1 >= 0.995 AS erased, r3, r5,
                   now() - (now() - b_created) * (2 - sqrt(4 - 3 * r4)) AS created
            FROM (
                SELECT a.cust_first + g.i AS id, a.business_id, a.created_at AS b_created,
                       random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                       random() AS r5
                FROM cb_alloc a, generate_series(0, a.cust_n - 1) AS g(i)
                OFFSET 0
            ) AS r
        ) AS s
        JOIN cb_cipher c ON c.k = s.id % {DISTINCT_CIPHERTEXTS}
        """
    )
    t = step(f"{sum(max(c, 1) for c in customers):,} customers", t)
    for definition in dropped:
        cursor.execute(definition)
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), max(id)) "
        "FROM customers_customer"
    )
    t = step("customer indexes", t)

    dropped = _indexes_drop(cursor, "analytics_event")
    kinds = [k for k, _share, _customer in EVENT_KINDS]
    with_customer = ", ".join(f"'{k}'" for k, _share, customer in EVENT_KINDS if customer)
    kind = _case("r1", kinds, [share for _k, share, _c in EVENT_KINDS])
    network = _case("r2", ["instagram", "facebook", "tiktok"], [0.6, 0.3, 0.1])
    cursor.execute(
        f"""
        INSERT INTO analytics_event (business_id, kind, customer_id, data, occurred_at)
        SELECT business_id, kind,
               CASE WHEN kind IN ({with_customer})
                    THEN cust_first + floor(r2 * cust_n)::bigint END,
               CASE WHEN kind = 'social_click' THEN jsonb_build_object('network', {network})
                    ELSE '{{}}'::jsonb END,
               occurred_at
        FROM (
            SELECT a.business_id, a.cust_first, a.cust_n, {kind} AS kind, r2,
                   now() - a.span * (2 - sqrt(4 - 3 * r3)) AS occurred_at
            FROM (
                SELECT a.*, random() AS r1, random() AS r2, random() AS r3
                FROM cb_alloc a, generate_series(1, a.ev_n)
                OFFSET 0
            ) AS a
            OFFSET 0
        ) AS s
        ORDER BY occurred_at  -- the order the app appends them in
        """
    )
    t = step(f"{sizes.events:,} events", t)
    for definition in dropped:
        cursor.execute(definition)
    t = step("event indexes", t)

    cursor.execute(
        """
        INSERT INTO analytics_dailycount (business_id, kind, day, count)
        SELECT e.business_id, e.kind, (e.occurred_at AT TIME ZONE b.timezone)::date, count(*)
        FROM analytics_event e JOIN tenancy_business b ON b.id = e.business_id
        WHERE b.slug LIKE %s
        GROUP BY 1, 2, 3
        ORDER BY 3, 1, 2
        """,
        [SLUG_PREFIX + "%"],
    )
    t = step(f"{cursor.rowcount:,} daily counts from the events", t)

    rating = _case("r1", ["5", "4", "3", "2", "1"], [0.55, 0.25, 0.10, 0.05, 0.05])
    comment = _case(
        "r2",
        ["", "Great coffee!", "Friendly staff, will come back.", "A bit slow today.", "Lecker!"],
        [0.6, 0.15, 0.1, 0.05, 0.1],
    )
    cursor.execute(
        f"""
        INSERT INTO loyalty_review (business_id, customer_id, rating, comment, channel, created_at)
        SELECT business_id, cust_first + floor(r3 * cust_n)::bigint, ({rating})::smallint,
               {comment}, 'web', created
        FROM (
            SELECT a.*, random() AS r1, random() AS r2, random() AS r3,
                   now() - a.span * (2 - sqrt(4 - 3 * random())) AS created
            FROM cb_alloc a, generate_series(1, a.rev_n)
            OFFSET 0
        ) AS s
        ORDER BY created
        """
    )
    t = step(f"{cursor.rowcount:,} reviews", t)

    cursor.execute(
        """
        INSERT INTO loyalty_voucher (
            business_id, customer_id, kind, code, discount_text, expires_at, redeemed_at,
            created_at
        )
        SELECT business_id,
               CASE WHEN welcome THEN cust_first + j ELSE cust_first + floor(r2 * cust_n)::bigint
               END,
               CASE WHEN welcome THEN 'welcome' ELSE 'campaign' END,
               'K' || upper(lpad(to_hex(j), 7, '0')), '10 %', created + interval '30 days',
               CASE WHEN r3 < 0.35
                    THEN created + (least(created + interval '30 days', now()) - created) * r4
               END,
               created
        FROM (
            SELECT a.*, g.j, random() < 0.85 AS welcome, random() AS r2, random() AS r3,
                   random() AS r4, now() - a.span * (2 - sqrt(4 - 3 * random())) AS created
            FROM cb_alloc a, generate_series(0, a.vou_n - 1) AS g(j)
            OFFSET 0
        ) AS s
        ORDER BY created
        """
    )
    t = step(f"{cursor.rowcount:,} vouchers", t)

    shares = [share for _action, share, _actor, _target in ACTIVITY_ACTIONS]
    action = _case("r1", [row[0] for row in ACTIVITY_ACTIONS], shares)
    actor_kind = _case("r1", [row[2] for row in ACTIVITY_ACTIONS], shares)
    target_type = _case("r1", [row[3] for row in ACTIVITY_ACTIONS], shares)
    cursor.execute(
        f"""
        INSERT INTO activity_activity (
            business_id, actor_kind, action, target_type, target_id, data, created_at
        )
        SELECT business_id, {actor_kind}, {action}, {target_type},
               (cust_first + floor(r2 * cust_n)::bigint)::text, '{{}}'::jsonb, created
        FROM (
            SELECT a.*, random() AS r1, random() AS r2,
                   now() - a.span * (2 - sqrt(4 - 3 * random())) AS created
            FROM cb_alloc a, generate_series(1, a.act_n)
            OFFSET 0
        ) AS s
        ORDER BY created
        """
    )
    step(f"{cursor.rowcount:,} activity rows", t)


# --- measurement -------------------------------------------------------------------------------

PATH = "/console/"
STAFF_EMAIL = "console-bench@example.com"
SERIAL_REQUESTS = 30  # in-process page loads for the serial latency and the query list
COLD_RUNS = 3


@dataclass(frozen=True)
class Captured:
    seconds: float
    queries: list[tuple[float, str]]  # (ms, SQL) in order

    @property
    def sql_ms(self) -> float:
        return sum(ms for ms, _sql in self.queries)


def _captured(call) -> Captured:
    """Runs `call`, timing it and each of its queries (CaptureQueriesContext keeps whole ms)."""
    from django.db import connection

    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            cursor = context["cursor"]
            queries.append((ms, connection.ops.last_executed_query(cursor, sql, params)))

    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        call()
        seconds = time.perf_counter() - started
    return Captured(seconds, queries)


def _staff_client():
    """A signed-in staff member (no business membership): a test Client and the session cookie
    that wrk sends. The session is a real row in the bench database, so the server accepts it."""
    from django.conf import settings
    from django.test import Client

    from kazan.accounts.models import User, email_index

    user = User.objects.filter(email_index=email_index(STAFF_EMAIL)).first()
    if user is None:
        user = User.objects.create_user(STAFF_EMAIL, None, is_staff=True, name="Console bench")
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}"


def _get_ok(client) -> None:
    response = client.get(PATH)
    if response.status_code != 200:
        raise SystemExit(f"GET {PATH} answered {response.status_code}, not 200: no measurement")


def _served_ok(base: str, cookie: str) -> None:
    """The server, with wrk's cookie, answers the page itself (wrk would count a redirect to the
    login page as a success)."""
    import urllib.request

    request = urllib.request.Request(base + PATH, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=120) as response:
        if response.status != 200 or response.url.rstrip("/") != (base + PATH).rstrip("/"):
            raise SystemExit(f"the server answered {response.status} at {response.url}")


def _label(sql: str, width: int = 90) -> str:
    text = " ".join(sql.split())
    return (text[: width - 1] + "…" if len(text) > width else text).replace("|", "\\|")


def _data_counts() -> list[tuple[str, int]]:
    from django.db import connection

    tables = [
        ("businesses", "tenancy_business"),
        ("customers", "customers_customer"),
        ("analytics events", "analytics_event"),
        ("daily counters", "analytics_dailycount"),
        ("payments", "billing_payment"),
        ("reviews", "loyalty_review"),
        ("vouchers", "loyalty_voucher"),
        ("activity rows", "activity_activity"),
    ]
    with connection.cursor() as cursor:
        counts = []
        for label, table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append((label, cursor.fetchone()[0]))
    return counts


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def console_run(
    *, base: str, duration: int, connections: int, dataset: dict, explain_slow: int = 0
) -> None:
    """Prints the console section: the data, wrk against the page with a warm cache (and the
    bare view in the same run), the page's queries and the cold computation of its statistics."""
    from django.core.cache import cache

    from bench.wrk import HEADER, wrk_run
    from kazan.console import queries

    client, cookie = _staff_client()
    lua = f'wrk.headers["Cookie"] = "{cookie}"\n'

    # The cold computation of the cached statistics (what the scheduler does every 10 minutes),
    # then the page with an empty cache (its first request after a deploy or a cache flush).
    cold = [_captured(queries.overview_stats_compute) for _ in range(COLD_RUNS)]
    empty = []
    for _ in range(COLD_RUNS):
        cache.delete(queries.STATS_CACHE_KEY)
        empty.append(_captured(lambda: _get_ok(client)))
    # Warm: the snapshot is in the cache (Redis, shared with the server's workers).
    queries.overview_stats(refresh=True)
    _get_ok(client)
    warm = [_captured(lambda: _get_ok(client)) for _ in range(SERIAL_REQUESTS)]
    _served_ok(base, cookie)

    run = {"duration": duration, "connections": connections}
    single = {"duration": duration, "connections": 1, "threads": 1}
    results = [
        wrk_run(
            f"bare Django view (baseline), {connections} connections", f"{base}/bench/bare", **run
        ),
        wrk_run(
            f"console overview GET {PATH} (warm cache), {connections} connections",
            base + PATH,
            lua=lua,
            **run,
        ),
        wrk_run("bare Django view (baseline), 1 connection", f"{base}/bench/bare", **single),
        wrk_run(
            f"console overview GET {PATH} (warm cache), 1 connection",
            base + PATH,
            lua=lua,
            **single,
        ),
    ]

    sizes = dataset["sizes"]
    print(
        f"## Platform console overview ({sizes['businesses']:,} businesses, "
        f"{sizes['customers']:,} customers, {sizes['events']:,} events)\n"
    )
    print("| data in the database (all businesses, incl. the other benches') | rows |")
    print("| --- | ---: |")
    for label, count in _data_counts():
        print(f"| {label} | {count:,} |")
    built = "built now" if dataset.get("built") else "reused"
    print(f"| data set generation ({built}) | {dataset['seconds']:.0f} s |\n")

    print(f"### Load: wrk, {duration} s each, a signed-in staff member's session\n")
    print(HEADER)
    print(results[0].row(results[0]))
    print(results[1].row(results[0]))
    print(results[2].row(results[2]))
    print(results[3].row(results[2]))
    print()

    warm_ms = [c.seconds * 1000 for c in warm]
    print("### In-process (django.test.Client, one request at a time)\n")
    print("| measure | value |\n| --- | ---: |")
    print(f"| queries per page, warm cache | {len(warm[-1].queries)} |")
    print(
        f"| page time, warm cache, p50 / p99 of {SERIAL_REQUESTS} "
        f"| {_percentile(warm_ms, 0.5):,.1f} / {_percentile(warm_ms, 0.99):,.1f} ms |"
    )
    print(f"| of which SQL (p50) | {statistics.median(c.sql_ms for c in warm):,.1f} ms |")
    print(
        f"| cold computation of the cached statistics (overview_stats_compute), "
        f"best / worst of {COLD_RUNS} | {_ms(min(c.seconds for c in cold))} / "
        f"{_ms(max(c.seconds for c in cold))} |"
    )
    print(f"| its queries | {len(cold[-1].queries)} |")
    print(
        f"| page with an empty cache (computes the statistics in the request), "
        f"best / worst of {COLD_RUNS} | {_ms(min(c.seconds for c in empty))} / "
        f"{_ms(max(c.seconds for c in empty))} |"
    )
    print(f"| its queries | {len(empty[-1].queries)} |\n")

    for title, sample in (
        ("the page with a warm cache (median request)", _median_capture(warm)),
        ("the cold computation (best run)", min(cold, key=lambda c: c.seconds)),
    ):
        print(f"Queries of {title}, slowest first:\n")
        print("| ms | query |\n| ---: | --- |")
        for ms, sql in sorted(sample.queries, key=lambda q: -q[0]):
            print(f"| {ms:,.1f} | `{_label(sql)}` |")
        print()

    if explain_slow:
        # The slowest queries of the best cold run and of the median warm page.
        captured = [*min(cold, key=lambda c: c.seconds).queries, *_median_capture(warm).queries]
        for ms, sql in sorted(captured, key=lambda q: -q[0])[:explain_slow]:
            shown = sql if len(sql) <= 700 else sql[:700] + " …"
            plan = "\n".join(
                line if len(line) <= 240 else line[:240] + " …"
                for line in explain(sql).splitlines()
            )
            print(f"#### EXPLAIN ANALYZE ({ms:,.1f} ms when captured)\n\n```sql\n{shown}\n```\n")
            print(f"```\n{plan}\n```\n")


def _median_capture(captures: list[Captured]) -> Captured:
    return sorted(captures, key=lambda c: c.seconds)[len(captures) // 2]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]
