"""Issue 13's admin panel in Chromium: the admin signs in, the Telegram CRM overview draws its
four charts (Chart.js instances on their canvases) and goes live; the queue table is sorted and
filtered, a status changed inline, a row's three-dots menu used (a note), a bulk action run
(cancel and refund); a user's tokens adjusted with a reason; and an order placed in the bot
(documented Updates to the webhook, the fake Bot API) while the overview is open updates its
order count without a reload."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.channels.providers.telegram.testing import (
    telegram_connected,
    telegram_post,
    update_callback,
    update_command,
)
from kazan.commerce.models import Order, OrderEvent
from kazan.commerce.queries import packages_active
from kazan.commerce.services import packages_ensure_defaults, token_order_place
from kazan.customers.services import customer_for_identity, profile_create
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory
from kazan.wallet.models import TokenEntry
from kazan.wallet.queries import token_balance
from kazan.wallet.services import tokens_credit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("crm-chart-revenue", "crm-chart-status", "crm-chart-growth", "crm-chart-packages")
PROFILE = {
    "first_name": "Emily",
    "last_name": "Carter",
    "phone_e164": "+15125550101",
    "email": "emily.carter@example.com",
    "gender": "female",
    "date_of_birth": "1991-04-12",
    "street": "418 Congress Ave",
    "city": "Austin",
    "state": "TX",
    "postal_code": "78701",
    "country": "US",
}


def _customers(business, count: int):
    """Telegram customers with a profile and 2,000 tokens each, one order each."""
    packages = packages_active(business=business)
    people = []
    for n in range(count):
        customer = customer_for_identity(
            business=business, channel="telegram", external_id=str(424242100 + n), name="Emily"
        )
        profile = profile_create(
            business=business, customer=customer, data={**PROFILE, "first_name": f"Emily{'abc'[n]}"}
        )
        tokens_credit(
            business=business, customer=customer, amount=2000, kind="purchase", reference=f"g{n}"
        )
        token_order_place(
            business=business,
            customer=customer,
            profile=profile,
            package=packages[n],
            email_confirmation=False,
            channel="telegram",
        )
        people.append((customer, profile))
    return people


def _last_buttons(api, user_id: int) -> list[dict]:
    for message in reversed(api.sent):
        markup = message.get("reply_markup") or {}
        if str(message.get("chat_id")) == str(user_id) and markup.get("inline_keyboard"):
            return [button for row in markup["inline_keyboard"] for button in row]
    return []


def _bot_order(client, api, installation, user_id: int) -> None:
    """The customer orders in the bot: /order, their profile, the 100-sites package, no
    add-on, confirm — each a documented Update through the webhook, then the worker's tasks;
    each button taken from the keyboard the bot sent."""

    def post(update) -> None:
        assert telegram_post(client, installation, update).status_code == 200
        tasks_run_all()
        tasks_run_all()

    post(update_command("/order", user_id=user_id))
    for label in ("Emily", "100 sites", None, None):
        buttons = _last_buttons(api, user_id)
        if label is None:  # the add-on question, then the confirmation
            data = "no" if any(b["callback_data"] == "no" for b in buttons) else "confirm"
        else:
            data = next(b["callback_data"] for b in buttons if b["text"].startswith(label))
        post(update_callback(data, user_id=user_id))


def test_the_admin_works_the_panel_in_chromium(
    live_server, page, business, client, fake_bot_api, settings
):
    settings.TELEGRAM_CHAT_MESSAGES_PER_SECOND = 0
    settings.CRM_STREAM_SECONDS = 60
    business.country, business.currency = "US", "USD"
    business.save(update_fields=["country", "currency"])
    packages_ensure_defaults(business=business)
    installation = telegram_connected(business, fake_bot_api)
    admin = MembershipFactory(
        business=business, role=Role.OWNER, user=UserFactory(name="Morgan Reyes")
    ).user
    operator = MembershipFactory(
        business=business, role=Role.OPERATOR, user=UserFactory(name="Jordan Ellis")
    ).user
    people = _customers(business, 3)
    first, second, third = Order.objects.filter(business=business).order_by("number")

    # 1. The overview: four charts drawn by Chart.js, the live stream connected.
    browser_sign_in(page, f"{live_server.url}/dashboard/crm/", admin.email)
    page.wait_for_function(
        "ids => window.Chart && ids.every(id => Chart.getChart(document.getElementById(id)))",
        arg=list(CHARTS),
    )
    for chart in CHARTS:
        assert page.locator(f"canvas#{chart}").count() == 1
    assert page.locator("[data-stat=orders]").inner_text().strip() == "3"
    page.wait_for_selector("#crm-live[data-live=on]")

    # 2. A live update: an order placed in the bot while the page is open.
    customer, _profile = people[0]
    _bot_order(client, fake_bot_api, installation, int(customer.identities.get().external_id))
    assert Order.objects.filter(business=business).count() == 4
    page.wait_for_function(
        "() => document.querySelector('[data-stat=orders]').textContent.trim() === '4'",
        timeout=30_000,
    )

    # 3. The queue: sorted by tokens, filtered by status, a status changed inline.
    page.goto(f"{live_server.url}/dashboard/queue/")
    page.click("a.sort-link[data-sort=tokens]")
    page.wait_for_url("**sort=**")
    numbers = page.locator("tr.queue-row").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.order))"
    )
    by_tokens = sorted(
        Order.objects.filter(business=business), key=lambda o: (o.total_minor, o.number)
    )
    assert sorted(numbers) == sorted(o.number for o in by_tokens)
    assert numbers in ([o.number for o in by_tokens], [o.number for o in reversed(by_tokens)])
    row = page.locator(f"#queue-row-{first.pk}")
    with page.expect_response(f"**/dashboard/queue/{first.pk}/status/"):
        row.locator("select[name=status]").select_option("processing")
    page.wait_for_function(
        f"() => document.querySelector('#queue-row-{first.pk} select[name=status]')"
        ".value === 'processing'"
    )
    first.refresh_from_db()
    assert first.status == "processing"
    page.select_option("#id_status", "processing")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**status=processing**")
    assert page.locator("tr.queue-row").count() == 1

    # 4. A row's three-dots menu: a note for the operator.
    page.goto(f"{live_server.url}/dashboard/queue/")
    menu = page.locator(f"#queue-row-{second.pk} details.row-menu")
    menu.locator("summary").click()
    menu.locator("textarea[name=note]").fill("Customer asked for a call first.")
    menu.locator("form:has(textarea[name=note]) button[type=submit]").click()
    page.wait_for_load_state()
    assert OrderEvent.objects.filter(order=second, note__contains="call first").exists()

    # 5. A bulk action: cancel two orders with their refunds.
    page.goto(f"{live_server.url}/dashboard/queue/")
    for order in (second, third):
        page.check(f"#queue-row-{order.pk} input[name=orders]")
    page.select_option("#id_bulk_action", "cancel")
    page.click("button[form=queue-bulk]")
    page.wait_for_load_state()
    for order in (second, third):
        order.refresh_from_db()
        assert order.status == "cancelled"
        assert TokenEntry.objects.filter(kind="refund", reference=f"order:{order.pk}").exists()

    # 6. A user's tokens adjusted with a reason.
    customer, _profile = people[1]
    before = token_balance(business=business, customer=customer)
    page.goto(f"{live_server.url}/dashboard/crm/users/{customer.pk}/")
    page.click("#wallet-adjust summary")
    page.fill("#wallet-adjust input[name=amount]", "150")
    page.fill("#wallet-adjust input[name=reason]", "Goodwill for the slow order")
    page.click("#wallet-adjust-save")
    page.wait_for_function(
        f"() => document.querySelector('#panel-wallet').dataset.balance === '{before + 150}'"
    )
    entry = TokenEntry.objects.get(kind="adjustment")
    assert (entry.amount, entry.note, entry.actor) == (150, "Goodwill for the slow order", admin)
    assert operator.pk  # an operator is on the team (the queue's operator list)
