"""Builds the console data set's bulk rows (customers, events, daily counts, reviews, vouchers,
activity) with INSERT … SELECT over generate_series, so PostgreSQL does the work in one
transaction; the businesses come first (console_businesses). Time-ordered rows are inserted in
time order, as the app appends them, so recent-weeks scans touch the pages they would in
production."""

import random
import time
from datetime import UTC, datetime, timedelta

from bench.console_businesses import businesses_write
from bench.console_sizes import (
    DISTINCT_CIPHERTEXTS,
    EMAIL_SHARE,
    PHONE_SHARE,
    SLUG_PREFIX,
    Sizes,
)
from bench.console_sql import apportion, copy_rows, indexes_drop, sql_case

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


def contacts_encrypt() -> list[tuple[int, str, str, str | None]]:
    """1,000 distinct phone numbers and emails, encrypted once by the real fields, with each
    number's real last-digits index (shared by customers with the same last digits, as in use)."""
    from kazan.customers.models import Customer
    from kazan.customers.phones import phone_suffix_index_for

    phone_field = Customer._meta.get_field("phone_e164")
    email_field = Customer._meta.get_field("email")
    return [
        (
            k,
            phone_field.get_prep_value(f"+4915{k:09d}"),
            email_field.get_prep_value(f"guest{k}@example.com"),
            phone_suffix_index_for(f"+4915{k:09d}"),
        )
        for k in range(DISTINCT_CIPHERTEXTS)
    ]


def build(cursor, sizes: Sizes, ciphertexts, step) -> None:
    """Writes the whole data set through `cursor` (inside the caller's transaction); `step(name,
    since)` logs each stage's time and returns now."""
    rng = random.Random(20261201)
    now = datetime.now(UTC).replace(microsecond=0)
    t = time.monotonic()
    cursor.execute("SELECT setseed(0.4242)")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers in the load

    plan, payments = businesses_write(cursor, sizes, now, rng)
    t = step(f"{len(plan):,} businesses, subscriptions, credit accounts, {payments:,} payments", t)

    # Who gets how many of the bulk rows: one row per business, read by the INSERT … SELECTs.
    customers = apportion(sizes.customers, [b["weight"] for b in plan])
    events = apportion(sizes.events, [b["weight"] * rng.uniform(0.6, 1.6) for b in plan])
    activities = apportion(sizes.activities, [b["weight"] * rng.uniform(0.6, 1.6) for b in plan])
    reviews = apportion(sizes.reviews, customers)
    vouchers = apportion(sizes.vouchers, customers)
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
    copy_rows(
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
    cursor.execute(
        "CREATE TEMP TABLE cb_cipher (k int, phone text, email text, suffix text) ON COMMIT DROP"
    )
    copy_rows(cursor, "cb_cipher", ["k", "phone", "email", "suffix"], ciphertexts)
    cursor.execute("ANALYZE cb_alloc")
    cursor.execute("ANALYZE cb_cipher")

    dropped = indexes_drop(cursor, "customers_customer")
    language = sql_case("r3", ["de", "en", "tr", "it", "es"], [0.4, 0.25, 0.15, 0.1, 0.1])
    cursor.execute(
        f"""
        INSERT INTO customers_customer (
            id, business_id, name, phone_e164, phone_index, phone_suffix_index, email,
            email_index, language, first_interaction_at, last_interaction_at, phone_verified_at,
            erased_at, created_at
        )
        SELECT id, business_id,
               CASE WHEN erased THEN '' ELSE 'Guest ' || id END,
               CASE WHEN has_phone THEN c.phone ELSE '' END,
               CASE WHEN has_phone THEN encode(sha256(('cb-phone:' || id)::bytea), 'hex') END,
               CASE WHEN has_phone THEN c.suffix END,
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

    dropped = indexes_drop(cursor, "analytics_event")
    kinds = [k for k, _share, _customer in EVENT_KINDS]
    with_customer = ", ".join(f"'{k}'" for k, _share, customer in EVENT_KINDS if customer)
    kind = sql_case("r1", kinds, [share for _k, share, _c in EVENT_KINDS])
    network = sql_case("r2", ["instagram", "facebook", "tiktok"], [0.6, 0.3, 0.1])
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

    rating = sql_case("r1", ["5", "4", "3", "2", "1"], [0.55, 0.25, 0.10, 0.05, 0.05])
    comment = sql_case(
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
    action = sql_case("r1", [row[0] for row in ACTIVITY_ACTIONS], shares)
    actor_kind = sql_case("r1", [row[2] for row in ACTIVITY_ACTIONS], shares)
    target_type = sql_case("r1", [row[3] for row in ACTIVITY_ACTIONS], shares)
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
