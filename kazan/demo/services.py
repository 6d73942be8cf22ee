"""The demo business that `make run` loads: a café with its team, customers, reviews and SMS.

Built only through the apps' public services, so the demo exercises the same paths as real use.
Running it again changes nothing and prints the same logins.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kazan.accounts.models import User, email_index
from kazan.demo.contact_form import forms_load
from kazan.demo.conversations import conversations_load
from kazan.demo.faq import faq_load
from kazan.demo.history import Guest, history_load
from kazan.demo.shop import SHOP_OWNER, shop_load
from kazan.demo.telegram_crm import CRM_OPERATOR, CRM_OWNER, telegram_crm_load
from kazan.demo.widget import widget_load
from kazan.demo.widget_history import widget_history_load

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

DEMO_SLUG = "demo-cafe"
CAFE_HISTORY_DAYS = 90
STAFF_EMAIL = "staff@kazan.localhost"
STAFF_PASSWORD = "kazan-staff-demo-2026"  # noqa: S105 — printed demo login
TEAM = [
    ("owner@demo-cafe.localhost", "Olivia Owner", "owner", "kazan-owner-demo-2026"),
    ("manager@demo-cafe.localhost", "Max Manager", "manager", "kazan-manager-demo-2026"),
    ("agent@demo-cafe.localhost", "Aylin Agent", "agent", "kazan-agent-demo-2026"),
]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "Deniz",
    "Elif",
    "Finn",
    "Giulia",
    "Hannah",
    "Ivan",
    "Jonas",
    "Katharina",
    "Luca",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Quentin",
    "Rosa",
    "Selin",
    "Tim",
    "Ursula",
    "Valentina",
    "Wim",
    "Yusuf",
    "Zoe",
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    # The TOTP key of an account with two-factor on (platform staff must have it), else "".
    totp_secret: str = ""


def _user(email: str, name: str, password: str) -> User:
    from kazan.accounts.services import user_create

    existing = User.objects.filter(email_index=email_index(email)).first()
    return existing or user_create(email=email, password=password, name=name)


def _two_factor_on(user: User) -> str:
    """Turns TOTP on (mandatory for platform staff) and returns its key, so the printed login
    works: the key goes into an authenticator app, or pyotp prints the current code. It is
    confirmed with the previous step's code, so the code of this moment is still unused."""
    import time

    import pyotp

    from kazan.accounts.services import totp_enable, totp_secret_new

    if not user.has_totp:
        secret = totp_secret_new()
        totp_enable(user=user, secret=secret, code=pyotp.TOTP(secret).at(time.time() - 30))
    return user.totp_secret


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    from kazan.messaging.services import sms_credits_grant
    from kazan.tenancy.models import Business
    from kazan.tenancy.services import business_create, invitation_accept, invitation_create

    staff = _user(STAFF_EMAIL, "Kazan Staff", STAFF_PASSWORD)
    if not staff.is_staff:
        staff.is_staff = staff.is_superuser = True
        staff.save(update_fields=["is_staff", "is_superuser"])
    logins = [DemoLogin("platform staff", STAFF_EMAIL, STAFF_PASSWORD, _two_factor_on(staff))]
    _bank_details_load(staff=staff)
    logins += [DemoLogin(role, email, password) for email, _, role, password in TEAM]
    shop_load(staff=staff)
    logins.append(DemoLogin("shop owner", SHOP_OWNER[0], SHOP_OWNER[2]))
    telegram_crm_load(staff=staff)
    logins.append(DemoLogin("CRM owner", CRM_OWNER[0], CRM_OWNER[2]))
    logins.append(DemoLogin("CRM operator", CRM_OPERATOR[0], CRM_OPERATOR[2]))
    if Business.objects.filter(slug=DEMO_SLUG).exists():
        return logins

    (owner_email, owner_name, _, owner_password), *colleagues = TEAM
    owner = _user(owner_email, owner_name, owner_password)
    business, _ = business_create(
        slug=DEMO_SLUG,
        name="Demo Café",
        owner_email=owner_email,
        actor=staff,
        address="Torstraße 1, 10119 Berlin",
        country="DE",
        latitude="52.529350",
        longitude="13.401240",
        language="en",
        timezone="Europe/Berlin",
        website_url="https://demo-cafe.example",
        instagram_url="https://instagram.com/democafe",
        google_review_url="https://search.google.com/local/writereview?placeid=demo",
    )
    team = {}
    for email, name, role, password in colleagues:
        issued = invitation_create(business=business, email=email, role=role, actor=owner)
        team[role] = _user(email, name, password)
        invitation_accept(token=issued.token, user=team[role])
    sms_credits_grant(business=business, amount=500, actor=staff, note="Welcome package")

    rng = random.Random(42)  # noqa: S311 — demo data, not security
    Business.objects.filter(pk=business.pk).update(
        created_at=timezone.now() - timedelta(days=CAFE_HISTORY_DAYS + 5)
    )
    people = [
        Guest(
            phone=f"+49151{55500000 + index:08d}",
            name=f"{first_name} {chr(65 + index % 26)}.",
            language=rng.choice(["en", "de", "tr", "it", "es"]),
            consents=index % 3 != 2,
        )
        for index, first_name in enumerate(FIRST_NAMES)
    ]
    history_load(
        business=business, people=people, days=CAFE_HISTORY_DAYS, owner=owner, rng=rng, busy=True
    )
    widget_history_load(business=business, days=CAFE_HISTORY_DAYS, rng=rng)
    _loyalty_load(business=business, owner=owner)
    conversations_load(
        business=business, owner=owner, agent=team["agent"], phones=[g.phone for g in people]
    )
    faq_load(business=business, owner=owner)
    widget_load(business=business, owner=owner)
    forms_load(
        business=business,
        manager_membership_id=_membership_id(business=business, user=team["manager"]),
    )
    _plans_load(business=business, staff=staff)
    _platform_load(staff=staff, rng=rng)
    return logins


def _plans_load(*, business: Business, staff: User) -> None:
    from kazan.demo.plans import plans_load
    from kazan.demo.shop import SHOP_SLUG
    from kazan.demo.telegram_crm import CRM_SLUG
    from kazan.tenancy.models import Business

    plans_load(
        cafe=business,
        shop=Business.objects.get(slug=SHOP_SLUG),
        crm=Business.objects.get(slug=CRM_SLUG),
        staff=staff,
    )


def _membership_id(*, business: Business, user: User) -> int | None:
    from kazan.tenancy.queries import membership_of

    membership = membership_of(business=business, user=user)
    return membership.pk if membership is not None else None


def _bank_details_load(*, staff: User) -> None:
    """The platform's account for manual payments (the standard example IBAN), so a bank
    transfer order shows where to pay."""
    from kazan.billing.queries import bank_details
    from kazan.billing.services import bank_details_update

    if bank_details() is None:
        bank_details_update(
            recipient="Kazan Demo GmbH",
            iban="DE89 3704 0044 0532 0130 00",
            bic="COBADEFFXXX",
            bank_name="Commerzbank Köln",
            address="Torstraße 1, 10119 Berlin",
            actor=staff,
        )


def _loyalty_load(*, business: Business, owner: User) -> None:
    """The SMS package, a scheduled campaign and the reminder rule."""
    from kazan.billing.services import subscription_for
    from kazan.campaigns.services import campaign_save, reminder_rule_save

    subscription_for(business)
    now = timezone.now()
    campaign_save(
        business=business,
        actor=owner,
        name="Weekend brunch",
        body="Demo Café: brunch for two with {voucher} this weekend! https://demo-cafe.example/brunch",
        voucher_discount="-20 % on brunch",
        voucher_valid_days=7,
        send_at=now + timedelta(days=3),
    )
    reminder_rule_save(
        business=business,
        actor=owner,
        enabled=True,
        days_without_sms=30,
        template="We miss you at Demo Café! Come by this week for a free cookie with your coffee.",
        cap_per_customer=2,
    )


# Other businesses on the platform, for the console: (slug, name, city, lat, lon, country,
# language, time zone, currency, what happens to them).
PLATFORM_BUSINESSES = [
    (
        "kaffee-haus-muenchen",
        "Kaffeehaus München",
        "München",
        "48.137154",
        "11.576124",
        "DE",
        "de",
        "Europe/Berlin",
        "EUR",
        "paying",
    ),
    (
        "hamburg-bakery",
        "Hafen Bäckerei",
        "Hamburg",
        "53.551086",
        "9.993682",
        "DE",
        "de",
        "Europe/Berlin",
        "EUR",
        "paying",
    ),
    (
        "berlin-bistro",
        "Bistro Kreuzberg",
        "Berlin",
        "52.497600",
        "13.411500",
        "DE",
        "de",
        "Europe/Berlin",
        "EUR",
        "inactive",
    ),
    (
        "istanbul-cay-evi",
        "Çay Evi Kadıköy",
        "İstanbul",
        "40.990300",
        "29.029000",
        "TR",
        "tr",
        "Europe/Istanbul",
        "EUR",
        "default",
    ),
    (
        "roma-trattoria",
        "Trattoria Trastevere",
        "Roma",
        "41.889300",
        "12.469900",
        "IT",
        "it",
        "Europe/Rome",
        "EUR",
        "paying",
    ),
    (
        "milano-gelato",
        "Gelateria Navigli",
        "Milano",
        "45.452000",
        "9.177000",
        "IT",
        "it",
        "Europe/Rome",
        "EUR",
        "cancelled",
    ),
    (
        "madrid-tapas",
        "Tapas Lavapiés",
        "Madrid",
        "40.408900",
        "-3.700900",
        "ES",
        "es",
        "Europe/Madrid",
        "EUR",
        "paying",
    ),
    (
        "barcelona-cafe",
        "Cafè del Born",
        "Barcelona",
        "41.385000",
        "2.183000",
        "ES",
        "es",
        "Europe/Madrid",
        "EUR",
        "suspended",
    ),
]


def _platform_load(*, staff: User, rng: random.Random) -> None:
    """More businesses for the platform console: scans over 60 days (one has stopped), package
    payments over the last months (paid, one overdue, one cancelled), one suspended business,
    then the hourly alert check and the overview snapshot, so the console is full at once."""
    from kazan.billing.models import Payment, SmsPackage
    from kazan.billing.services import package_upgrade_start, payment_confirm, subscription_for
    from kazan.console.queries import overview_stats
    from kazan.console.services import alerts_check
    from kazan.messaging.services import sms_credits_grant
    from kazan.tenancy.models import Business
    from kazan.tenancy.services import business_create, business_status_change

    now = timezone.now()
    packages = list(SmsPackage.objects.filter(active=True).order_by("sort_order", "pk"))
    demo_cafe = Business.objects.get(slug=DEMO_SLUG)
    created = [(demo_cafe, "paying")]
    for number, (slug, name, city, lat, lon, country, language, tz, currency, fate) in enumerate(
        PLATFORM_BUSINESSES
    ):
        # Owners with an account already (no invitation emails on the console); no login printed.
        owner_email = f"owner@{slug}.localhost"
        owner = _user(owner_email, f"Owner of {name}", secrets.token_urlsafe(16))
        business, _ = business_create(
            slug=slug,
            name=name,
            owner_email=owner_email,
            actor=staff,
            address=city,
            country=country,
            latitude=lat,
            longitude=lon,
            language=language,
            timezone=tz,
            currency=currency,
        )
        # Onboarded 3 to 9 months ago (demo history: the row's own date is set back).
        onboarded_days_ago = 90 + 25 * number
        Business.objects.filter(pk=business.pk).update(
            created_at=now - timedelta(days=onboarded_days_ago)
        )
        subscription_for(business)
        sms_credits_grant(business=business, amount=200, actor=staff, note="Welcome package")
        guests = [
            Guest(
                phone=f"+49152{20000000 + number * 1000 + index:08d}",
                name=f"{FIRST_NAMES[(index + number) % len(FIRST_NAMES)]} {chr(65 + index)}.",
                language=language,
                consents=index % 2 == 0,
            )
            for index in range(rng.randint(4, 12))
        ]
        history_load(
            business=business,
            people=guests,
            days=onboarded_days_ago,
            owner=owner,
            rng=rng,
            busy=False,
            quiet_days=30 if fate == "inactive" else 0,
        )
        created.append((business, fate))

    # Package payments, backdated month by month so the revenue charts have a history; never
    # before the business joined, so every month with revenue also has its guests.
    for months_ago in range(11, -1, -1):
        for index, (business, fate) in enumerate(created):
            if fate == "suspended" and months_ago < 2:
                continue
            if (index + months_ago) % 3 and fate == "paying":
                continue
            moment = now - timedelta(days=30 * months_ago + index)
            business.refresh_from_db(fields=["created_at"])
            if moment < business.created_at:
                continue
            package = packages[(index + months_ago) % len(packages)]
            if months_ago == 0:
                payment = package_upgrade_start(
                    business=business, package=package, actor=staff
                ).payment
                payment_confirm(payment=payment, actor=staff)
                continue
            # Earlier months are history rows for the revenue charts only: confirming them now
            # would credit their SMS today and count them as booked in the current period.
            payment = Payment.objects.create(
                business=business,
                package=package,
                gateway="manual",
                amount_minor=package.price_minor,
                currency=package.currency,
                sms_credits=package.sms_per_month,
                status=Payment.Status.PAID,
                created_by=staff,
                confirmed_by=staff,
                paid_at=moment,
                proforma_sent_at=moment,
            )
            Payment.objects.filter(pk=payment.pk).update(created_at=moment)
    for business, fate in created:
        if fate == "default":
            overdue = package_upgrade_start(
                business=business, package=packages[-1], actor=staff
            ).payment
            Payment.objects.filter(pk=overdue.pk).update(created_at=now - timedelta(days=40))
        elif fate == "cancelled":
            from kazan.billing.services import payment_cancel

            started = package_upgrade_start(business=business, package=packages[0], actor=staff)
            payment_cancel(business=business, payment=started.payment, actor=staff)
        elif fate == "suspended":
            business_status_change(
                business=business,
                status=Business.Status.SUSPENDED,
                reason="Demo: the owner asked to pause the account for the winter.",
                actor=staff,
            )
    alerts_check()
    overview_stats(refresh=True)
