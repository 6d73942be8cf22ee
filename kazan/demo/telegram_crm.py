"""The demo's third business: "Site Registration Service", a TeleKpr-style business (seed 004)
that registers its customers' people on websites and is paid in tokens through its Telegram bot.

Loaded through the apps' services like the others: the seed's packages and wallet settings, the
CRM flow ready for the bot, ~40 Telegram customers with their registered profiles (fake but
plausible US data) and data-processing consent, token purchases (OxaPay history, two of them in
reconciliation trouble), admin adjustments, premium subscribers and 60 days of token orders in
every queue status (both lanes, assigned to the operator, a rerun, cancellations refunded). No
broadcast: a Telegram broadcast needs a connected bot. Orders, purchases and customers are then
dated back; the append-only ledgers (token entries, order events, consent, activity) keep the
moment the demo was loaded.

The Telegram bot is deliberately left unconnected: a demo never talks to Telegram, so no
notification leaves (`customer_notify` finds no channel). The owner connects a bot on
/dashboard/channels/ with a token from @BotFather (see README)."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business
    from kazan.wallet.models import TokenPurchase

CRM_SLUG = "telekpr-demo"
CRM_OWNER = ("owner@telekpr-demo.localhost", "Morgan Reyes", "kazan-crm-demo-2026")
CRM_OPERATOR = ("operator@telekpr-demo.localhost", "Jordan Ellis", "kazan-operator-demo-2026")
CRM_DAYS = 60
# Telegram user ids of the demo's customers (private chats: chat id = user id).
CHAT_ID_BASE = 5_210_000_000


@dataclass(frozen=True)
class Person:
    first: str
    middle: str
    last: str
    gender: str
    born: date
    street: str
    apartment: str
    city: str
    state: str
    postal_code: str


# One person a line: first|middle|last|gender|born|street|apartment|city|state|ZIP (real
# city/ZIP pairs; phone numbers are made from the state's area code and 555-01xx).
_PEOPLE = """
Emily|Rose|Carter|female|1991-04-12|418 Congress Ave|Apt 5B|Austin|TX|78701
Michael||Thompson|male|1986-09-30|1550 Larimer St||Denver|CO|80202
Sarah|Jane|Mitchell|female|1994-01-22|710 Pike St|Unit 12|Seattle|WA|98101
David||Nguyen|male|1989-06-03|925 SW Morrison St||Portland|OR|97205
Jessica|Lynn|Ramirez|female|1997-11-15|201 E Washington St|Suite 300|Phoenix|AZ|85004
Christopher||Lee|male|1983-02-08|1200 Brickell Ave|Apt 1802|Miami|FL|33130
Ashley||Brooks|female|1992-07-19|55 Park Pl NE||Atlanta|GA|30303
Matthew|James|Walker|male|1990-12-01|233 N Michigan Ave|Apt 2407|Chicago|IL|60601
Amanda||Sullivan|female|1988-03-27|45 School St||Boston|MA|02108
Joshua||Kim|male|1995-05-09|350 W 31st St|Apt 9C|New York|NY|10001
Megan|Claire|Foster|female|1993-08-14|1818 Market St||Philadelphia|PA|19103
Daniel||Patel|male|1987-10-21|88 E Broad St|Unit 4|Columbus|OH|43215
Lauren||Hughes|female|1996-02-28|1001 Woodward Ave||Detroit|MI|48226
Andrew|Scott|Peterson|male|1984-04-04|800 Nicollet Mall|Apt 610|Minneapolis|MN|55401
Rachel||Coleman|female|1991-09-09|501 Broadway||Nashville|TN|37203
Ryan||Bennett|male|1998-01-17|100 N Tryon St|Apt 33|Charlotte|NC|28202
Nicole|Marie|Price|female|1985-06-25|901 E Byrd St||Richmond|VA|23219
Justin||Howard|male|1992-03-11|300 W Pratt St|Unit 15|Baltimore|MD|21201
Stephanie||Ward|female|1989-11-30|1100 New Jersey Ave SE|Apt 720|Washington|DC|20001
Brandon|Lee|Jensen|male|1994-08-02|150 S State St||Salt Lake City|UT|84101
Heather||Castillo|female|1990-05-16|400 Fremont St|Apt 8|Las Vegas|NV|89101
Tyler||Morgan|male|1997-12-24|600 W Broadway||San Diego|CA|92101
Kayla|Anne|Flores|female|1993-10-05|250 E 1st St|Apt 1104|Los Angeles|CA|90012
Kevin||Russell|male|1982-07-07|1355 Market St||San Francisco|CA|94103
Brittany||Hayes|female|1996-04-18|1000 Walnut St|Unit 2|Kansas City|MO|64106
Jacob|Ryan|Sanders|male|1991-01-29|1299 Farnam St||Omaha|NE|68102
Samantha||Powell|female|1988-09-13|777 E Wisconsin Ave|Apt 1500|Milwaukee|WI|53202
Eric||Long|male|1985-03-03|1 Monument Cir||Indianapolis|IN|46204
Danielle|Grace|Perry|female|1994-06-21|401 W Main St|Apt 5|Louisville|KY|40202
Aaron||Butler|male|1990-02-14|1250 Poydras St||New Orleans|LA|70112
Amber||Simmons|female|1999-05-30|100 N Broadway Ave|Suite 12|Oklahoma City|OK|73102
Adam|Joseph|Gonzales|male|1986-11-08|500 Marquette Ave NW||Albuquerque|NM|87102
Melissa||Bryant|female|1992-12-12|800 W Main St|Apt 204|Boise|ID|83702
Nathan||Alexander|male|1983-08-26|510 L St||Anchorage|AK|99501
Kimberly|Ann|Griffin|female|1995-03-19|1001 Bishop St|Apt 2900|Honolulu|HI|96813
Zachary||Diaz|male|1997-09-01|1 Financial Plz||Providence|RI|02903
Rebecca||Hamilton|female|1987-01-05|280 Trumbull St|Unit 7|Hartford|CT|06103
Jonathan||Graham|male|1993-04-23|110 Main St||Burlington|VT|05401
Laura|Beth|Wallace|female|1989-07-28|100 Middle St|Apt 3|Portland|ME|04101
Benjamin||West|male|1991-10-10|2001 Park Pl||Birmingham|AL|35203
"""
AREA_CODES = {
    "TX": 512, "CO": 303, "WA": 206, "OR": 503, "AZ": 602, "FL": 305, "GA": 404, "IL": 312,
    "MA": 617, "NY": 212, "PA": 215, "OH": 614, "MI": 313, "MN": 612, "TN": 615, "NC": 704,
    "VA": 804, "MD": 410, "DC": 202, "UT": 801, "NV": 702, "CA": 415, "MO": 816, "NE": 402,
    "WI": 414, "IN": 317, "KY": 502, "LA": 504, "OK": 405, "NM": 505, "ID": 208, "AK": 907,
    "HI": 808, "RI": 401, "CT": 860, "VT": 802, "ME": 207, "AL": 205,
}  # fmt: skip
PEOPLE = [
    Person(first, middle, last, gender, date.fromisoformat(born), street, apt, city, state, zip_)
    for first, middle, last, gender, born, street, apt, city, state, zip_ in (
        line.split("|") for line in _PEOPLE.strip().splitlines()
    )
]
# A second person some customers register (a partner or a client): index -> (first, last).
SECOND_PROFILES = {2: ("Oliver", "Mitchell"), 7: ("Grace", "Walker"), 13: ("Lily", "Peterson")}
# Customers who subscribe to premium: the first five pay in tokens, one is granted by the team.
PREMIUM_PAID = (1, 4, 7, 10, 13)
PREMIUM_GRANTED = (16,)
# Two of the purchases need the team's attention on the reconciliation page: (customer index,
# tokens, OxaPay's word, the amount it reported paid in cents or None, days ago).
TROUBLE = ((5, 500, "Paid", 4500, 3), (9, 1000, "Paying", None, 2))


def telegram_crm_load(*, staff: User) -> None:
    """The TeleKpr-style business and its two months of trade; nothing when it exists."""
    from kazan.commerce.services import packages_ensure_defaults
    from kazan.crm.services import crm_flow_ensure
    from kazan.demo.services import _user
    from kazan.tenancy.models import Business
    from kazan.tenancy.services import business_create, invitation_accept, invitation_create
    from kazan.wallet.services import wallet_settings_get

    if Business.objects.filter(slug=CRM_SLUG).exists():
        return
    email, name, password = CRM_OWNER
    owner = _user(email, name, password)
    business, _invitation = business_create(
        slug=CRM_SLUG,
        name="Site Registration Service",
        owner_email=email,
        actor=staff,
        address="1200 Brickell Ave, Miami, FL 33131",
        country="US",
        language="en",
        currency="USD",
        timezone="America/New_York",
        website_url="https://telekpr-demo.example",
    )
    op_email, op_name, op_password = CRM_OPERATOR
    issued = invitation_create(business=business, email=op_email, role="operator", actor=owner)
    operator = _user(op_email, op_name, op_password)
    invitation_accept(token=issued.token, user=operator)
    now = timezone.now()
    Business.objects.filter(pk=business.pk).update(created_at=now - timedelta(days=CRM_DAYS + 5))
    packages_ensure_defaults(business=business)
    wallet_settings_get(business=business)  # OxaPay, 0.10 USD a token, premium 500 tokens
    crm_flow_ensure(business=business)  # ready for when the owner connects a bot
    rng = random.Random(2026)  # noqa: S311 — demo data, not security
    plan = _order_plan(rng)
    customers = _customers_load(business=business, plan=plan, now=now)
    _wallets_load(business=business, owner=owner, customers=customers, plan=plan, now=now)
    _orders_load(business=business, owner=owner, operator=operator, customers=customers, plan=plan)
    _reconciliation_load(business=business, customers=customers, now=now)


def _order_plan(rng: random.Random) -> list[tuple[int, str, int, int, bool]]:
    """(days ago, final status, customer index, package index, email add-on), oldest first:
    about one order a day over CRM_DAYS days. Older ones completed (one in ten cancelled and
    refunded), the last days' ones still pending, processing or assigned to the operator."""
    plan = []
    for days_ago in range(CRM_DAYS - 1, -1, -1):
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            if days_ago > 6:
                status = "cancelled" if rng.random() < 0.1 else "completed"
            elif days_ago > 2:
                status = rng.choice(("completed", "completed", "assigned", "cancelled"))
            else:
                status = rng.choice(("pending", "pending", "processing", "assigned"))
            customer = rng.randrange(len(PEOPLE))
            package = rng.choice((0, 0, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8))
            plan.append((days_ago, status, customer, package, rng.random() < 0.3))
    return plan


def chat_id(index: int) -> int:
    return CHAT_ID_BASE + index * 7919


def _profile_data(person: Person, index: int) -> dict[str, str]:
    handle = f"{person.first}{person.last}".lower()
    return {
        "first_name": person.first,
        "middle_name": person.middle,
        "last_name": person.last,
        "phone_e164": f"+1{AREA_CODES[person.state]}555{100 + index % 100:04d}",
        "email": f"{person.first}.{person.last}@example.com".lower(),
        "gender": person.gender,
        "date_of_birth": person.born.isoformat(),
        "street": person.street,
        "apartment": person.apartment,
        "city": person.city,
        "state": person.state,
        "postal_code": person.postal_code,
        "country": "US",
        "telegram_username": f"{handle}_{index}" if index % 3 else "",
        "instagram_username": f"{handle}.{index}" if index % 4 == 1 else "",
        "password": "",
    }


def _customers_load(
    *, business: Business, plan: list[tuple[int, str, int, int, bool]], now: datetime
) -> list[Customer]:
    """Every person writes to the bot (a customer by their Telegram id), agrees to the
    processing of their data and registers a profile (three register a second person too);
    then they are dated back to a few days before their first order (last seen at their last
    one), so the user-growth chart climbs over the two months."""
    from kazan.crm.flow import CONSENT_TEXT
    from kazan.customers.models import Customer
    from kazan.customers.services import (
        consent_grant,
        consent_wording_for_text,
        customer_for_identity,
        profile_create,
    )

    # The wording the bot shows before saving a first profile, as the bot records it.
    wording = consent_wording_for_text(
        purpose="data_processing",
        language="en",
        text=str(CONSENT_TEXT) % {"business": business.name},
    )
    first_order: dict[int, int] = {}
    last_order: dict[int, int] = {}
    for days_ago, _status, index, _package, _addon in plan:
        first_order.setdefault(index, days_ago)
        last_order[index] = days_ago
    customers = []
    for index, person in enumerate(PEOPLE):
        customer = customer_for_identity(
            business=business,
            channel="telegram",
            external_id=str(chat_id(index)),
            name=person.first,
            language="en",
        )
        consent_grant(
            business=business,
            customer=customer,
            purpose="data_processing",
            channel="telegram",
            wording=wording,
            actor_kind="customer",
        )
        profile_create(business=business, customer=customer, data=_profile_data(person, index))
        if index in SECOND_PROFILES:
            first, last = SECOND_PROFILES[index]
            other = _profile_data(replace(person, first=first, middle="", last=last), index)
            profile_create(business=business, customer=customer, data=other)
        joined = now - timedelta(days=first_order.get(index, index % 20) + 2, hours=index % 9)
        last_seen = now - timedelta(days=last_order.get(index, index % 20), hours=index % 5)
        Customer.objects.filter(pk=customer.pk).update(
            created_at=joined, first_interaction_at=joined, last_interaction_at=last_seen
        )
        customers.append(customer)
    return customers


def _purchase_paid(
    *,
    business: Business,
    customer: Customer,
    tokens: int,
    track: str,
    paid_minor: int | None,
    word: str = "Paid",
) -> TokenPurchase:
    """A top-up paid through OxaPay. `purchase_start` would open a real invoice at OxaPay (a
    demo never calls it), so the row that call leaves is written here with its track id; then
    OxaPay's verdict goes through `purchase_outcome_apply`, exactly as its signed callback
    does: tokens credited once, the customer told (nothing leaves: no bot is connected)."""
    from kazan.billing.gateways.oxapay.gateway import status_outcome
    from kazan.wallet.models import TokenPurchase
    from kazan.wallet.services import purchase_outcome_apply, wallet_settings_get

    settings = wallet_settings_get(business=business)
    purchase = TokenPurchase.objects.create(
        business=business,
        customer=customer,
        tokens=tokens,
        amount_minor=tokens * settings.token_price_minor,
        currency=settings.currency,
        gateway="oxapay",
        reference=track,
        pay_url=f"https://pay.oxapay.com/demo/{track}",
        expires_at=timezone.now() + timedelta(minutes=settings.invoice_lifetime_minutes),
    )
    purchase_outcome_apply(
        purchase_id=purchase.pk,
        outcome=status_outcome(word),
        amount_minor=purchase.amount_minor if paid_minor is None else paid_minor,
        currency=settings.currency,
        gateway_status=word,
    )
    purchase.refresh_from_db()
    return purchase


def _wallets_load(
    *,
    business: Business,
    owner: User,
    customers: list[Customer],
    plan: list[tuple[int, str, int, int, bool]],
    now: datetime,
) -> None:
    """Each customer tops up through OxaPay what their orders will cost (in the business's
    amounts, with some left over), before their first order; five subscribe to premium with
    tokens and one is granted a month by the owner; three get an adjustment with its reason."""
    from kazan.commerce.queries import packages_active
    from kazan.wallet.models import TokenPurchase
    from kazan.wallet.services import premium_buy_with_tokens, premium_grant, tokens_adjust

    packages = packages_active(business=business)
    need: dict[int, int] = {}
    first: dict[int, int] = {}
    for days_ago, _status, index, package, addon in plan:
        need[index] = need.get(index, 0) + packages[package].price_tokens + (50 if addon else 0)
        first.setdefault(index, days_ago)
    track = 184_760_000
    for index, customer in enumerate(customers):
        wanted = need.get(index, 0) + (600 if index in PREMIUM_PAID else 0) + 40 + index * 5
        while wanted > 0:
            tokens = next((a for a in (250, 500, 1000, 2500) if a >= wanted), 2500)
            track += 1
            purchase = _purchase_paid(
                business=business,
                customer=customer,
                tokens=tokens,
                track=str(track),
                paid_minor=None,
            )
            paid_at = now - timedelta(days=first.get(index, 3) + 1, hours=index % 7)
            TokenPurchase.objects.filter(pk=purchase.pk).update(
                created_at=paid_at - timedelta(minutes=12), paid_at=paid_at
            )
            wanted -= tokens
        if index in PREMIUM_PAID:
            premium_buy_with_tokens(business=business, customer=customer)
    for index in PREMIUM_GRANTED:
        premium_grant(business=business, customer=customers[index], days=30, actor=owner)
    for index, amount, reason in (
        (3, 100, "Goodwill: order #5 took longer than promised"),
        (12, 250, "Referral bonus"),
        (20, -40, "Duplicate top-up credited twice by mistake"),
    ):
        tokens_adjust(
            business=business,
            customer=customers[index],
            amount=amount,
            reason=reason,
            actor=owner,
        )


def _orders_load(
    *,
    business: Business,
    owner: User,
    operator: User,
    customers: list[Customer],
    plan: list[tuple[int, str, int, int, bool]],
) -> None:
    """The plan's orders through the queue's services in the order they were placed (so the
    lanes keep their order), moved along to their status by the owner and the operator, the
    third completed order rerun, then dated back to the day they were placed."""
    from kazan.commerce.queries import packages_active
    from kazan.commerce.services import (
        token_order_assign,
        token_order_cancel,
        token_order_complete,
        token_order_note_add,
        token_order_place,
        token_order_rerun,
        token_order_status_set,
    )
    from kazan.customers.queries import customer_profiles

    packages = packages_active(business=business)
    completed = 0
    for number, (days_ago, status, index, package, addon) in enumerate(plan):
        customer = customers[index]
        profiles = customer_profiles(business=business, customer=customer)
        order = token_order_place(
            business=business,
            customer=customer,
            profile=profiles[number % len(profiles)],
            package=packages[package],
            email_confirmation=addon,
            channel="telegram",
        )
        if status in ("processing", "assigned", "completed"):
            order = token_order_status_set(
                business=business, order=order, status="processing", actor=owner
            )
        if status in ("assigned", "completed"):
            order = token_order_assign(
                business=business, order=order, operator=operator, actor=owner
            )
        if status == "completed":
            order = token_order_complete(
                business=business,
                order=order,
                actor=operator,
                note="All sites registered; the list is in the customer's folder.",
            )
            completed += 1
            if completed == 3:
                token_order_note_add(
                    business=business,
                    order=order,
                    actor=owner,
                    note="The customer reports 12 sites bounced: running it again.",
                )
                rerun = token_order_rerun(business=business, order=order, actor=owner)
                _order_date_back(rerun, timezone.now() - timedelta(days=days_ago - 1), status)
        if status == "cancelled":
            order = token_order_cancel(
                business=business,
                order=order,
                actor=owner,
                reason="Cancelled at the customer's request; tokens refunded.",
            )
        _order_date_back(order, timezone.now() - timedelta(days=days_ago, hours=number % 9), status)


def _order_date_back(order: Any, at: datetime, status: str) -> None:
    """The order to the day it was placed, its milestones a few hours later. Its history
    (OrderEvent) and the token entries are append-only and keep the moment of the load."""
    from kazan.commerce.models import Order

    moved = {
        field: at + timedelta(hours=hours)
        for field, hours in (
            ("paid_at", 0),
            ("assigned_at", 3),
            ("completed_at", 20),
            ("cancelled_at", 5),
        )
        if getattr(order, field) is not None
    }
    Order.objects.filter(pk=order.pk).update(created_at=at, updated_at=at, **moved)


def _reconciliation_load(*, business: Business, customers: list[Customer], now: datetime) -> None:
    """Two top-ups in trouble: one OxaPay reports paid with less than the invoice (nothing
    credited, flagged as a mismatch) and one stuck "Paying" for two days."""
    from kazan.wallet.models import TokenPurchase

    for offset, (index, tokens, word, paid_minor, days_ago) in enumerate(TROUBLE):
        purchase = _purchase_paid(
            business=business,
            customer=customers[index],
            tokens=tokens,
            track=str(184_769_900 + offset),
            paid_minor=paid_minor,
            word=word,
        )
        TokenPurchase.objects.filter(pk=purchase.pk).update(
            created_at=now - timedelta(days=days_ago),
            expires_at=now - timedelta(days=days_ago) + timedelta(hours=1),
        )
