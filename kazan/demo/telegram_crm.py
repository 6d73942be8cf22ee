"""The demo's third business: "Site Registration Service", a TeleKpr-style business (seed 004)
that registers its customers' people on websites and is paid in tokens through its Telegram bot.

Loaded through the apps' services like the others: the seed's packages and wallet settings, the
CRM flow ready for the bot, ~40 Telegram customers with their registered profiles (fake but
plausible US data) and data-processing consent, token purchases (OxaPay history, two of them in
reconciliation trouble), admin adjustments, premium subscribers, 60 days of token orders in every
queue status (both lanes, assigned to the operator, a rerun, cancellations refunded) and a
finished broadcast. Orders, purchases and customers are then dated back; the append-only
ledgers (token entries, order events, consent, activity) keep the moment the demo was loaded.

The Telegram bot is deliberately left unconnected: a demo never talks to Telegram, so no
notification leaves (`customer_notify` finds no channel). The owner connects a bot on
/dashboard/channels/ with a token from @BotFather (see README)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer, CustomerProfile
    from kazan.tenancy.models import Business

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


# (first, middle, last, gender, born, street, apartment, city, state, ZIP): real city/ZIP pairs.
_PEOPLE = [
    ("Emily", "Rose", "Carter", "female", "1991-04-12", "418 Congress Ave", "Apt 5B", "Austin", "TX", "78701"),
    ("Michael", "", "Thompson", "male", "1986-09-30", "1550 Larimer St", "", "Denver", "CO", "80202"),
    ("Sarah", "Jane", "Mitchell", "female", "1994-01-22", "710 Pike St", "Unit 12", "Seattle", "WA", "98101"),
    ("David", "", "Nguyen", "male", "1989-06-03", "925 SW Morrison St", "", "Portland", "OR", "97205"),
    ("Jessica", "Lynn", "Ramirez", "female", "1997-11-15", "201 E Washington St", "Suite 300", "Phoenix", "AZ", "85004"),
    ("Christopher", "", "Lee", "male", "1983-02-08", "1200 Brickell Ave", "Apt 1802", "Miami", "FL", "33130"),
    ("Ashley", "", "Brooks", "female", "1992-07-19", "55 Park Pl NE", "", "Atlanta", "GA", "30303"),
    ("Matthew", "James", "Walker", "male", "1990-12-01", "233 N Michigan Ave", "Apt 2407", "Chicago", "IL", "60601"),
    ("Amanda", "", "Sullivan", "female", "1988-03-27", "45 School St", "", "Boston", "MA", "02108"),
    ("Joshua", "", "Kim", "male", "1995-05-09", "350 W 31st St", "Apt 9C", "New York", "NY", "10001"),
    ("Megan", "Claire", "Foster", "female", "1993-08-14", "1818 Market St", "", "Philadelphia", "PA", "19103"),
    ("Daniel", "", "Patel", "male", "1987-10-21", "88 E Broad St", "Unit 4", "Columbus", "OH", "43215"),
    ("Lauren", "", "Hughes", "female", "1996-02-28", "1001 Woodward Ave", "", "Detroit", "MI", "48226"),
    ("Andrew", "Scott", "Peterson", "male", "1984-04-04", "800 Nicollet Mall", "Apt 610", "Minneapolis", "MN", "55401"),
    ("Rachel", "", "Coleman", "female", "1991-09-09", "501 Broadway", "", "Nashville", "TN", "37203"),
    ("Ryan", "", "Bennett", "male", "1998-01-17", "100 N Tryon St", "Apt 33", "Charlotte", "NC", "28202"),
    ("Nicole", "Marie", "Price", "female", "1985-06-25", "901 E Byrd St", "", "Richmond", "VA", "23219"),
    ("Justin", "", "Howard", "male", "1992-03-11", "300 W Pratt St", "Unit 15", "Baltimore", "MD", "21201"),
    ("Stephanie", "", "Ward", "female", "1989-11-30", "1100 New Jersey Ave SE", "Apt 720", "Washington", "DC", "20001"),
    ("Brandon", "Lee", "Jensen", "male", "1994-08-02", "150 S State St", "", "Salt Lake City", "UT", "84101"),
    ("Heather", "", "Castillo", "female", "1990-05-16", "400 Fremont St", "Apt 8", "Las Vegas", "NV", "89101"),
    ("Tyler", "", "Morgan", "male", "1997-12-24", "600 W Broadway", "", "San Diego", "CA", "92101"),
    ("Kayla", "Anne", "Flores", "female", "1993-10-05", "250 E 1st St", "Apt 1104", "Los Angeles", "CA", "90012"),
    ("Kevin", "", "Russell", "male", "1982-07-07", "1355 Market St", "", "San Francisco", "CA", "94103"),
    ("Brittany", "", "Hayes", "female", "1996-04-18", "1000 Walnut St", "Unit 2", "Kansas City", "MO", "64106"),
    ("Jacob", "Ryan", "Sanders", "male", "1991-01-29", "1299 Farnam St", "", "Omaha", "NE", "68102"),
    ("Samantha", "", "Powell", "female", "1988-09-13", "777 E Wisconsin Ave", "Apt 1500", "Milwaukee", "WI", "53202"),
    ("Eric", "", "Long", "male", "1985-03-03", "1 Monument Cir", "", "Indianapolis", "IN", "46204"),
    ("Danielle", "Grace", "Perry", "female", "1994-06-21", "401 W Main St", "Apt 5", "Louisville", "KY", "40202"),
    ("Aaron", "", "Butler", "male", "1990-02-14", "1250 Poydras St", "", "New Orleans", "LA", "70112"),
    ("Amber", "", "Simmons", "female", "1999-05-30", "100 N Broadway Ave", "Suite 12", "Oklahoma City", "OK", "73102"),
    ("Adam", "Joseph", "Gonzales", "male", "1986-11-08", "500 Marquette Ave NW", "", "Albuquerque", "NM", "87102"),
    ("Melissa", "", "Bryant", "female", "1992-12-12", "800 W Main St", "Apt 204", "Boise", "ID", "83702"),
    ("Nathan", "", "Alexander", "male", "1983-08-26", "510 L St", "", "Anchorage", "AK", "99501"),
    ("Kimberly", "Ann", "Griffin", "female", "1995-03-19", "1001 Bishop St", "Apt 2900", "Honolulu", "HI", "96813"),
    ("Zachary", "", "Diaz", "male", "1997-09-01", "1 Financial Plz", "", "Providence", "RI", "02903"),
    ("Rebecca", "", "Hamilton", "female", "1987-01-05", "280 Trumbull St", "Unit 7", "Hartford", "CT", "06103"),
    ("Jonathan", "", "Graham", "male", "1993-04-23", "110 Main St", "", "Burlington", "VT", "05401"),
    ("Laura", "Beth", "Wallace", "female", "1989-07-28", "100 Middle St", "Apt 3", "Portland", "ME", "04101"),
    ("Benjamin", "", "West", "male", "1991-10-10", "2001 Park Pl", "", "Birmingham", "AL", "35203"),
]
PEOPLE = [
    Person(first, middle, last, gender, date.fromisoformat(born), street, apt, city, state, zip_)
    for first, middle, last, gender, born, street, apt, city, state, zip_ in _PEOPLE
]
# A second person some customers register (a partner or a client): index -> (first, last).
SECOND_PROFILES = {2: ("Oliver", "Mitchell"), 7: ("Grace", "Walker"), 13: ("Lily", "Peterson")}
# Customers who subscribe to premium: the first five pay in tokens, one is granted by the team.
PREMIUM_PAID = (1, 4, 7, 10, 13)
PREMIUM_GRANTED = (16,)
