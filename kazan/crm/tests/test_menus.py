"""UC-002 and the bot's other menus in dialog form: an order for one of the customer's
profiles paid in tokens (with the subscriber prices when premium, and a top-up offered when
the balance is short), tokens and premium bought through the gateway's payment link, the
balance with its history, the orders with their queue positions and as a CSV document, and
the help text."""

import pytest
from django.core.files.storage import default_storage

from kazan.channels.providers.telegram.sender import TelegramSender
from kazan.commerce.models import Order
from kazan.crm.commands import BOT_COMMANDS, command_of
from kazan.crm.tests.dialog import Dialog
from kazan.customers.services import profile_create
from kazan.wallet.models import TokenPurchase
from kazan.wallet.queries import token_balance
from kazan.wallet.services import premium_grant, tokens_credit

pytestmark = pytest.mark.django_db

PROFILE = {
    "first_name": "Anna",
    "last_name": "Smith",
    "phone_e164": "+12125550123",
    "email": "anna@example.com",
    "gender": "female",
    "date_of_birth": "1990-04-25",
    "street": "350 Fifth Avenue",
    "city": "New York",
    "state": "NY",
    "postal_code": "10001",
    "country": "US",
}


def _customer_with_profile(business, dialog, tokens=0):
    dialog.say("/start")
    customer = dialog.conversation.customer
    profile = profile_create(business=business, customer=customer, data=PROFILE)
    if tokens:
        tokens_credit(
            business=business, customer=customer, amount=tokens, kind="purchase", reference="t1"
        )
    return customer, profile


def _package_value(dialog, name):
    choice = next(c for c in dialog.choices_reply()["choices"] if c["label"].startswith(name))
    return choice["value"], choice["label"]


def test_an_order_for_a_profile_is_confirmed_paid_in_tokens_and_queued(business):
    dialog = Dialog(business)
    customer, profile = _customer_with_profile(business, dialog, tokens=1000)
    dialog.say("/order")
    assert "Who is the order for?" in dialog.text
    assert dialog.buttons == [str(profile.pk)]
    dialog.press(str(profile.pk))
    value, label = _package_value(dialog, "250")
    assert label.endswith("— 250 tokens")  # the regular price
    dialog.press(value)
    assert "Add email confirmation for 50 tokens?" in dialog.text
    dialog.press("yes")
    details = dialog.text
    assert "Profile: Anna Smith" in details
    assert "Email confirmation: 50 tokens" in details
    assert "Total: 300 tokens" in details
    assert "Your balance: 1,000 tokens" in details
    dialog.press("confirm")
    assert "is placed and waits in the queue" in dialog.text
    order = Order.objects.get(customer=customer)
    assert (order.total_minor, order.profile_id, order.email_confirmation) == (
        300,
        profile.pk,
        True,
    )
    assert token_balance(business=business, customer=customer) == 700


def test_a_price_changed_since_the_quote_is_not_charged_but_quoted_again(business):
    from kazan.commerce.models import Package

    dialog = Dialog(business)
    customer, profile = _customer_with_profile(business, dialog, tokens=1000)
    dialog.say("/order")
    dialog.press(str(profile.pk))
    dialog.press(_package_value(dialog, "250")[0])
    dialog.press("no")
    assert "Total: 250 tokens" in dialog.text
    Package.objects.filter(business=business, sites=250).update(price_tokens=400)
    dialog.press("confirm")
    assert "The price has changed since your quote" in dialog.text
    assert "Total: 400 tokens" in dialog.text
    assert not Order.objects.filter(customer=customer).exists()
    assert token_balance(business=business, customer=customer) == 1000
    dialog.press("confirm")
    assert Order.objects.get(customer=customer).total_minor == 400
    assert token_balance(business=business, customer=customer) == 600


def test_a_premium_customer_sees_the_subscriber_prices(business):
    dialog = Dialog(business)
    customer, profile = _customer_with_profile(business, dialog, tokens=1000)
    premium_grant(business=business, customer=customer, days=30, actor=None)
    dialog.say("/order")
    dialog.press(str(profile.pk))
    _value, label = _package_value(dialog, "250")
    assert label.endswith("— 150 tokens")


def test_a_short_balance_says_what_is_missing_and_offers_a_top_up(business):
    dialog = Dialog(business)
    customer, profile = _customer_with_profile(business, dialog, tokens=80)
    dialog.say("/order")
    dialog.press(str(profile.pk))
    dialog.press(_package_value(dialog, "100")[0])
    dialog.press("no")
    dialog.press("confirm")
    assert dialog.errors == [
        "Not enough tokens: this costs 100 tokens and you have 80 tokens. You need 20 tokens more."
    ]
    assert dialog.buttons == ["tokens", "menu"]
    assert not Order.objects.exists()
    assert token_balance(business=business, customer=customer) == 80


def test_an_order_needs_a_registered_profile_first(business):
    dialog = Dialog(business)
    dialog.say("/order")
    assert "register a customer profile first" in dialog.text
    dialog.press("register")
    assert "What is the first name?" in dialog.text


def test_tokens_are_bought_through_a_payment_link(business, oxapay_settings, fake_oxapay):
    dialog = Dialog(business)
    dialog.say("/tokens")
    assert dialog.buttons[-2:] == ["custom", "premium"]
    first = dialog.choices_reply()["choices"][0]
    dialog.press(first["value"])
    links = next(r for r in dialog.replies if r["type"] == "links")["links"]
    purchase = TokenPurchase.objects.get()
    assert links[0]["url"] == purchase.pay_url and purchase.tokens == int(first["value"])


def test_a_custom_amount_is_checked_against_the_wallet_settings(
    business, oxapay_settings, fake_oxapay
):
    dialog = Dialog(business)
    dialog.say("/tokens")
    dialog.press("custom")
    assert "How many tokens? (50 to 100,000)" in dialog.text
    dialog.say("10")
    assert dialog.errors == ["Please choose between 50 and 100,000 tokens."]
    for wrong in ("many", "2.5", "250.00", "1,23,456", "1,234.567", "１２３"):
        dialog.say(wrong)
        assert dialog.errors == ["Please write a whole number of tokens, like 250."], wrong
    dialog.say("1,234")
    assert TokenPurchase.objects.get().tokens == 1234


def test_premium_is_bought_with_tokens_or_online(business, oxapay_settings, fake_oxapay):
    dialog = Dialog(business)
    customer, _profile = _customer_with_profile(business, dialog, tokens=600)
    dialog.say("/tokens")
    dialog.press("premium")
    assert "for 500 tokens or" in dialog.text
    dialog.press("tokens")
    assert "Premium is active until" in dialog.text
    assert token_balance(business=business, customer=customer) == 100
    dialog.say("/tokens")
    dialog.press("premium")
    dialog.press("tokens")
    assert "You need 400 tokens more." in dialog.errors[0]
    dialog.say("/tokens")
    dialog.press("premium")
    dialog.press("online")
    assert TokenPurchase.objects.get().purpose == "premium"


def test_balance_shows_premium_and_the_latest_transactions(business):
    dialog = Dialog(business)
    customer, _profile = _customer_with_profile(business, dialog, tokens=1500)
    premium_grant(business=business, customer=customer, days=30, actor=None)
    dialog.say("/balance")
    text = dialog.text
    assert "Your balance: 1,500 tokens" in text
    assert "Premium until" in text
    assert "Purchase · +1,500" in text


def test_orders_list_their_status_and_queue_position_and_download_as_csv(business):
    dialog = Dialog(business)
    _customer, profile = _customer_with_profile(business, dialog, tokens=1000)
    for _i in range(2):
        dialog.say("/order")
        dialog.press(str(profile.pk))
        dialog.press(_package_value(dialog, "100")[0])
        dialog.press("no")
        dialog.press("confirm")
    dialog.say("/orders")
    assert "position 1 in the queue" in dialog.text
    assert "position 2 in the queue" in dialog.text
    dialog.press("csv")
    document = next(r for r in dialog.replies if r["type"] == "document")
    assert document["filename"] == "orders.csv"
    with default_storage.open(document["storage_path"]) as stored:
        rows = stored.read().decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Order,Date,Profile,Package")
    assert len(rows) == 3 and "Anna Smith" in rows[1]
    # The Telegram sender uploads it (it sends documents from private storage only).
    name, content, _type = TelegramSender(token="1:x")._file(document["storage_path"], "orders.csv")
    assert (name, content.decode("utf-8-sig").splitlines()) == ("orders.csv", rows)


def test_help_lists_every_command(business):
    dialog = Dialog(business)
    dialog.say("/help")
    for name, _label in BOT_COMMANDS:
        assert f"/{name} — " in dialog.text


def test_the_commands_are_recognised_as_telegram_sends_them():
    assert command_of("/order") == "order"
    assert command_of("/order@TeleKprBot") == "order"
    assert command_of("/start ref-42") == "start"
    assert command_of("/unknown") is None
    assert command_of("order") is None
