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
        return self._post(update_callback(data, user_id=self.user_id, first_name=self.first_name))

    def read(self) -> str:
        """Runs what a worker would (the tasks, and what they leave for after their commit,
        such as notifications) until nothing is left, then reads this chat's new messages."""
        for _round in range(10):
            with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
                ran = tasks_run_all()
            if not ran and not callbacks:
                break
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


def _keyboard(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [button for row in markup.get("inline_keyboard") or [] for button in row]


def _button(user: TelegramUser, starts: str) -> str:
    """The value of the last keyboard's button whose label starts with `starts`."""
    for message in reversed(user.heard):
        for button in _keyboard(message):
            if str(button.get("text", "")).startswith(starts):
                return str(button["callback_data"])
    raise AssertionError(f"no button {starts!r}")


def _top_up(client, user: TelegramUser, oxapay: FakeOxaPay, business, tokens: int) -> None:
    """/tokens → an amount → the OxaPay invoice's link → paid: OxaPay's signed callback,
    delivered twice (a retry), credits the wallet once and the customer hears of it."""
    user.say("/tokens")
    assert {"custom", "premium"} <= set(user.buttons)
    user.press(str(tokens))
    [invoice] = oxapay.creates()
    assert invoice.json["amount"] == tokens * 0.10 and invoice.json["currency"] == "USD"
    purchase = TokenPurchase.objects.get(business=business, customer__identities__isnull=False)
    links = [b["url"] for m in user.heard for b in _keyboard(m) if b.get("url")]
    assert links == [purchase.pay_url] and purchase.pay_url.startswith("https://pay.oxapay.com/")
    oxapay.status_set(purchase.reference, "Paid")
    body = oxapay.callback_for(purchase.reference)
    for _delivery in range(2):
        with TestCase.captureOnCommitCallbacks(execute=True):
            answer = callback_post(client, body, MERCHANT_KEY)
        assert answer.status_code == 200 and answer.content == b"ok"
    purchase.refresh_from_db()
    assert purchase.status == "paid"
    entries = TokenEntry.objects.filter(business=business, kind="purchase")
    assert [e.amount for e in entries] == [tokens]
    heard = user.read()
    assert "1,000" in heard  # the payment confirmation with the new balance


def test_uc002_top_up_order_and_the_operator_completes_it(
    client, business, owner, crm_bot, fake_bot_api, oxapay, caplog
):
    caplog.set_level(logging.DEBUG)
    user = TelegramUser(client, fake_bot_api, crm_bot)
    summary = _register(user)
    customer = CustomerProfile.objects.get(business=business).customer
    _top_up(client, user, oxapay, business, 1000)
    assert token_balance(business=business, customer=customer) == 1000

    # /order: the profile, the package at its regular price, the email add-on, the details.
    heard = user.say("/order")
    assert "Who is the order for?" in heard
    [profile] = customer_profiles(business=business, customer=customer)
    user.press(str(profile.pk))
    user.press(_button(user, "250 sites"))
    heard = user.press("yes")  # the email confirmation add-on, 50 tokens
    assert "Total: 300 tokens" in heard and f"Profile: {FIRST} {MIDDLE} {LAST}" in heard
    heard = user.press("confirm")
    order = Order.objects.get(business=business, customer=customer)
    assert (order.status, order.total_minor, order.payment_method) == ("pending", 300, "tokens")
    assert token_balance(business=business, customer=customer) == 700
    assert f"Order {order.number} is confirmed" in heard
    assert "Your place in the queue: 1." in heard

    # The admin starts processing it; an operator takes it in the dashboard and completes it;
    # each change is told on Telegram.
    client.force_login(owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(f"/dashboard/queue/{order.pk}/status/", {"status": "processing"})
    assert started.status_code in (200, 302)
    assert f"Your order {order.number} is being processed." in user.read()
    operator = MembershipFactory(
        business=business, role=Role.OPERATOR, user=UserFactory(name="Jordan Ellis")
    ).user
    client.force_login(operator)
    assert str(order.number) in client.get("/dashboard/queue/").content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        taken = client.post(f"/dashboard/queue/{order.pk}/assign/", {"take": "1"})
    assert taken.status_code in (200, 302)
    order.refresh_from_db()
    assert (order.status, order.operator) == ("assigned", operator)
    assert f"An operator is working on your order {order.number}." in user.read()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(f"/dashboard/queue/{order.pk}/status/", {"status": "completed"})
    assert done.status_code in (200, 302)
    order.refresh_from_db()
    assert order.status == "completed" and order.completed_at
    assert f"Your order {order.number} is completed." in user.read()
    # Completed orders keep their tokens spent (refunds come with cancellations only).
    assert token_balance(business=business, customer=customer) == 700
    heard = user.say("/balance")
    assert "700" in heard
    _assert_private(user, summary, caplog)


def test_uc003_the_admin_reviews_the_panel_exports_and_acts_on_alerts(
    client, business, owner, crm_bot, fake_bot_api, oxapay
):
    import datetime as dt

    from django.utils import timezone

    from kazan.commerce.queries import packages_active
    from kazan.commerce.services import token_order_place
    from kazan.customers.services import profile_create
    from kazan.wallet.services import purchase_start

    user = TelegramUser(client, fake_bot_api, crm_bot)
    _register(user)
    profile = CustomerProfile.objects.get(business=business)
    customer = profile.customer
    _top_up(client, user, oxapay, business, 1000)
    packages = packages_active(business=business)
    stuck = token_order_place(
        business=business,
        customer=customer,
        profile=profile,
        package=packages[1],
        email_confirmation=False,
        channel="telegram",
    )
    fresh = token_order_place(
        business=business,
        customer=customer,
        profile=profile_create(
            business=business,
            customer=customer,
            data={**profile_data(profile), "first_name": "Oliver", "middle_name": ""},
        ),
        package=packages[0],
        email_confirmation=False,
        channel="telegram",
    )
    Order.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    # A second top-up whose callback never came: OxaPay has it paid.
    unpaid = purchase_start(business=business, customer=customer, tokens=500)
    oxapay.status_set(unpaid.reference, "Paid")
    TokenPurchase.objects.filter(pk=unpaid.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=8)
    )
    user.read()

    # 1-3. The admin opens the panel: the figures and the four charts' data.
    client.force_login(owner)
    page = client.get("/dashboard/crm/")
    assert page.status_code == 200
    html = page.content.decode()
    for chart in ("revenue", "status", "growth", "packages"):
        assert chart in html
    figures = client.get("/dashboard/crm/figures/")
    assert figures.status_code == 200

    # 4. Exports the orders as CSV (the queue's bulk export of the ticked orders).
    export = client.post(
        "/dashboard/queue/bulk/", {"action": "export", "orders": [stuck.pk, fresh.pk]}
    )
    assert export.status_code == 200 and "csv" in export["Content-Type"]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 3 and any(str(stuck.number) in cell for cell in rows[1] + rows[2])
    for secret in PERSONAL:
        assert secret not in export.content.decode()

    # 5. Acts on the alert: the order waiting for days is cancelled with its refund …
    assert "have waited longer than" in html
    before = token_balance(business=business, customer=customer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        cancelled = client.post(
            f"/dashboard/queue/{stuck.pk}/cancel/", {"reason": "Waited too long; refunded."}
        )
    assert cancelled.status_code in (200, 302)
    stuck.refresh_from_db()
    assert stuck.status == "cancelled"
    assert token_balance(business=business, customer=customer) == before + stuck.total_minor
    assert f"Your order {stuck.number} was cancelled" in user.read()
    # … and the top-up OxaPay has as paid, whose callback never came, is listed on the
    # reconciliation page, checked again at OxaPay from there and credited, once.
    listed = client.get("/dashboard/wallet/reconciliation/").content.decode()
    assert unpaid.reference in listed or f"/{unpaid.pk}/recheck/" in listed
    for _click in range(2):
        with TestCase.captureOnCommitCallbacks(execute=True):
            rechecked = client.post(f"/dashboard/wallet/reconciliation/{unpaid.pk}/recheck/")
        assert rechecked.status_code == 302
    unpaid.refresh_from_db()
    assert unpaid.status == "paid"
    balance = token_balance(business=business, customer=customer)
    assert balance == before + stuck.total_minor + 500
    assert f"your balance is {balance:,}" in user.read()  # the payment confirmation, once
