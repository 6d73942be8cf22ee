"""The console data set's businesses and their billing (subscriptions, credit accounts, payments,
ledger entries): made in Python, where the per-business choices are easy to read, and COPY'd.
Apart from the bulk rows (console_build) because the two together exceed a module's length."""

import math
import random
from datetime import datetime, timedelta

from bench.console_sizes import SLUG_PREFIX, Sizes
from bench.console_sql import copy_rows

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


def businesses_write(cursor, sizes: Sizes, now: datetime, rng: random.Random) -> tuple[list, int]:
    """Writes the businesses and their billing rows; returns the plan (with ids) and the number
    of payments. Draws from `rng`, which the bulk rows go on drawing from."""
    plan = _businesses_plan(sizes, now, rng)
    copy_rows(
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
            "greetings",
            "thank_you_texts",
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
                "{}",
                "{}",
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
                    # Manual payments: the pro-forma went to the owners a minute after.
                    created + timedelta(minutes=1) if gateway == "manual" else None,
                ]
            )
    copy_rows(
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
    copy_rows(
        cursor, "messaging_smscreditaccount", ["business_id", "balance", "updated_at"], accounts
    )
    copy_rows(
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
            "proforma_sent_at",
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
    return plan, len(payments)
