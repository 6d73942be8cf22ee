"""Seed 004's use cases end to end, the way a Telegram user and the team live them: documented
Updates posted to the bot's own webhook with its secret token, the inbound and outbox tasks run
in process as a worker runs them, and what the user reads taken from what the local fake Bot API
was asked to send (`channels/providers/telegram/testing.FakeBotApi`); top-ups paid at the local
fake OxaPay (`billing/gateways/oxapay/testing.FakeOxaPay`) and confirmed by its signed callback;
the team works in the dashboard.

- UC-001: /start → Register → every question (a refused answer, a skip, the states paged, Back)
  → the summary → confirm → consent → the profile saved, encrypted.
- UC-002: /tokens → an OxaPay invoice link → OxaPay's signed callback credits the wallet (once)
  → /order (profile, package, add-on, confirm) → tokens deducted → queue position → an operator
  takes it in the dashboard: processing → assigned → completed, each change told on Telegram.
- UC-003: the admin opens /dashboard/crm/, reads the figures, exports the orders as CSV and acts
  on the alerts: re-checks a stuck top-up at OxaPay and cancels a stuck order with its refund.

Privacy: besides the summary the customer is asked to check (their own answers, shown back to
them before saving), no bot message carries the phone, email or address; no log line does.
"""

import csv
import io
import json
import logging
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase

from kazan.billing.gateways.oxapay.testing import (
    MERCHANT_KEY,
    FakeOxaPay,
    callback_post,
    oxapay_configure,
)
from kazan.channels.providers.telegram.render import callback_data
from kazan.channels.providers.telegram.testing import (
    telegram_connected,
    telegram_post,
    update_callback,
    update_command,
    update_message,
)
from kazan.commerce.models import Order
from kazan.customers.models import ConsentRecord, CustomerProfile
from kazan.customers.queries import customer_profiles, profile_data
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory
from kazan.wallet.models import TokenEntry, TokenPurchase
from kazan.wallet.queries import token_balance

pytestmark = pytest.mark.django_db(transaction=False)

USER_ID = 424242001
FIRST, MIDDLE, LAST = "Emily", "Rose", "Carter"
PHONE_TYPED, PHONE = "(512) 555-0101", "+15125550101"
EMAIL = "emily.carter@example.com"
STREET, APARTMENT, CITY, ZIP = "418 Congress Ave", "Apt 5B", "Austin", "78701"
PERSONAL = (PHONE, "555-0101", "5550101", EMAIL, STREET, APARTMENT, ZIP)


class TelegramUser:
    """A person in the bot's private chat: sends documented Updates to the webhook and reads
    what the (fake) Bot API was asked to send to their chat since the last look."""

    def __init__(self, client, api, installation, user_id: int = USER_ID, first_name=FIRST):
        self.client, self.api, self.installation = client, api, installation
        self.user_id, self.first_name = user_id, first_name
        self.seen = 0
        self.heard: list[dict[str, Any]] = []  # every message this chat received

    def _post(self, update: dict[str, Any]) -> str:
        with TestCase.captureOnCommitCallbacks(execute=True):
            answer = telegram_post(self.client, self.installation, update)
        assert answer.status_code == 200
        return self.read()

    def say(self, text: str) -> str:
        person = {"user_id": self.user_id, "first_name": self.first_name}
        if text.startswith("/"):
            return self._post(update_command(text, **person))
        return self._post(update_message(text, **person))

    def press(self, value: str) -> str:
        """Presses the button with `value` of the last keyboard this chat was shown."""
        data = callback_data(value)
        assert data in self.buttons, f"{value} not offered: {self.buttons}"
        return self._post(
            update_callback(data, user_id=self.user_id, first_name=self.first_name)
        )

    def read(self) -> str:
        tasks_run_all()
        tasks_run_all()
        new = self.api.sent[self.seen :]
        self.seen = len(self.api.sent)
        mine = [m for m in new if str(m.get("chat_id")) == str(self.user_id)]
        self.heard += mine
        return "\n".join(str(m.get("text") or m.get("caption") or "") for m in mine)

    @property
    def buttons(self) -> list[str]:
        """The callback data of the last inline keyboard sent to this chat."""
        for message in reversed(self.heard):
            markup = message.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if markup and markup.get("inline_keyboard"):
                return [
                    button.get("callback_data", "")
                    for row in markup["inline_keyboard"]
                    for button in row
                ]
        return []


@pytest.fixture
def crm_bot(business, fake_bot_api, settings):
    """The business with the Telegram CRM: packages, its bot connected at the fake Bot API
    (the CRM flow bound on connecting) and OxaPay at the fake."""
    from kazan.commerce.services import packages_ensure_defaults

    settings.TELEGRAM_CHAT_MESSAGES_PER_SECOND = 0  # the flood limits are tg's own tests
    business.country, business.currency = "US", "USD"
    business.save(update_fields=["country", "currency"])
    packages_ensure_defaults(business=business)
    return telegram_connected(business, fake_bot_api)


@pytest.fixture
def oxapay(settings):
    with FakeOxaPay() as fake:
        oxapay_configure(settings, fake)
        yield fake


def _state_pick(user: TelegramUser, code: str) -> str:
    """Pages through the state buttons until `code` shows, then presses it."""
    for _page in range(6):
        if callback_data(code) in user.buttons:
            return user.press(code)
        user.press("page_next")
    raise AssertionError(f"{code} was never offered")


def _register(user: TelegramUser) -> str:
    """UC-001 from /start to the saved profile; returns the summary the user was shown."""
    heard = user.say("/start")
    assert user.buttons[:2] == ["register", "order"]
    heard = user.press("register")
    assert "first name" in heard
    heard = user.say("Emily99")  # refused, asked again
    assert "only letters" in heard
    user.say(FIRST)
    heard = user.press("skip")  # no middle name…
    assert "last name" in heard.lower()
    heard = user.press("back")  # …on second thought: back to the middle name
    assert "middle name" in heard.lower()
    user.say(MIDDLE)
    user.say(LAST)
    heard = user.say("12345")
    assert "not a valid phone" in heard
    user.say(PHONE_TYPED)
    user.say(EMAIL)
    user.press("female")
    user.say("1991-04-12")
    user.say(STREET)
    user.say(APARTMENT)
    user.say(CITY)
    assert "page_next" in user.buttons and callback_data("TX") not in user.buttons
    _state_pick(user, "TX")
    heard = user.say("10001")  # a New York ZIP code is not one of Texas
    assert "ZIP" in heard
    user.say(ZIP)
    user.press("usa")
    user.press("skip")  # no Telegram username to add
    user.say("@emily.atx")
    summary = user.press("skip")  # no password
    assert "Please check the profile" in summary
    heard = user.press("confirm")
    assert "Do you agree?" in heard
    heard = user.press("agree")
    assert f"profile of {FIRST} {MIDDLE} {LAST} is saved" in heard
    return summary


def _assert_private(user: TelegramUser, summary: str, caplog) -> None:
    """Only the summary (the user's own answers, to check before saving) repeats them."""
    for message in user.heard:
        text = json.dumps(message, ensure_ascii=False)
        if "Please check the profile" in text:
            continue
        for secret in PERSONAL:
            assert secret not in text, (secret, text)
    for secret in (PHONE, EMAIL, STREET):
        assert secret in summary
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in PERSONAL:
        assert secret not in logged, secret


def test_uc001_a_telegram_user_registers_a_profile(client, business, crm_bot, fake_bot_api, caplog):
    caplog.set_level(logging.DEBUG)
    user = TelegramUser(client, fake_bot_api, crm_bot)
    summary = _register(user)

    [profile] = CustomerProfile.objects.filter(business=business)
    assert profile_data(profile) == {
        "first_name": FIRST,
        "middle_name": MIDDLE,
        "last_name": LAST,
        "phone_e164": PHONE,
        "email": EMAIL,
        "gender": "female",
        "date_of_birth": "1991-04-12",
        "street": STREET,
        "apartment": APARTMENT,
        "city": CITY,
        "state": "TX",
        "postal_code": ZIP,
        "country": "US",
        "telegram_username": "",
        "instagram_username": "emily.atx",
        "password": "",
    }
    assert profile.customer.identities.get().channel == "telegram"
    assert ConsentRecord.objects.filter(
        customer=profile.customer, purpose="data_processing", granted=True, channel="telegram"
    ).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone_e164, email, date_of_birth, address FROM customers_customerprofile"
        )
        stored = " ".join(cursor.fetchone())
    for plain in ("5550101", "example.com", "1991", "Congress", ZIP):
        assert plain not in stored
    # Every button press was answered (the spinner stops), every text within Telegram's limit.
    assert len(fake_bot_api.called("answerCallbackQuery")) >= 10
    assert all(len(m.get("text") or "") <= 4096 for m in fake_bot_api.sent)
    _assert_private(user, summary, caplog)
