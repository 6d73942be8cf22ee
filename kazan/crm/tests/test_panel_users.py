"""The users admin of the panel (seed 004 §3.4.3): the list (figures per user, search,
filters, sorts, a bounded number of queries), a user's page and its actions, each behind its
permission and scoped to the business."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kazan.activity.models import Activity
from kazan.crm import panel_queries as queries
from kazan.crm.tests.panel_world import crm_world, token_order
from kazan.customers.models import Customer, CustomerProfile
from kazan.messaging.models import OutboundMessage
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory
from kazan.wallet.models import TokenEntry
from kazan.wallet.queries import token_balance
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db

USERS = "/dashboard/crm/users/"


def _client(client, business, role=Role.OWNER):
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client


def _user_url(customer, tail=""):
    return f"{USERS}{customer.pk}/{tail}"


def test_the_list_shows_each_users_figures(business):
    world = crm_world(business)

    rows = {user.pk: user for user in queries.crm_users(business=business)}

    assert set(rows) == {world.alice.pk, world.bob.pk, world.carol.pk}  # not the walk-in
    alice = rows[world.alice.pk]
    assert (alice.balance, alice.profiles_count, alice.orders_count) == (600, 2, 3)
    assert alice.premium_until is not None
    assert rows[world.bob.pk].premium_until is None  # his period ended
    assert (rows[world.carol.pk].balance, rows[world.carol.pk].profiles_count) == (40, 0)


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("premium", {"Alice Adams"}),
        ("regular", {"Bob Brown", "Carol Clark"}),
        ("blocked", {"Bob Brown"}),
        ("active", {"Alice Adams", "Carol Clark"}),
        ("no_profile", {"Carol Clark"}),
        ("zero_balance", {"Bob Brown"}),
        ("nonsense", {"Alice Adams", "Bob Brown", "Carol Clark"}),
    ],
)
def test_filters(business, status, names):
    crm_world(business)

    found = queries.crm_users(business=business, status=status)

    assert {user.name for user in found} == names


def test_search_finds_a_user_by_a_profile_or_telegram_username(business):
    world = crm_world(business)

    assert [u.pk for u in queries.crm_users(business=business, search="anna")] == [world.alice.pk]
    assert [u.pk for u in queries.crm_users(business=business, search="@alice_a")] == [
        world.alice.pk
    ]
    assert [u.pk for u in queries.crm_users(business=business, search="carol")] == [world.carol.pk]


def test_sorts_by_balance_and_orders(business):
    world = crm_world(business)

    by_balance = [u.pk for u in queries.crm_users(business=business, sort="-balance")]
    by_orders = [u.pk for u in queries.crm_users(business=business, sort="orders")]

    assert by_balance == [world.alice.pk, world.carol.pk, world.bob.pk]
    assert by_orders[-1] == world.alice.pk


def test_the_list_page_is_one_query_per_page_whatever_its_size(client, business):
    owner = _client(client, business)
    crm_world(business)
    owner.get(USERS)
    with CaptureQueriesContext(connection) as small:
        response = owner.get(USERS, {"sort": "-orders"})
    for n in range(15):
        customer = wallet_customer(business, tokens=n + 1, channel="telegram", handle=f"30{n:02d}")
        token_order(business, customer, token_order_package(business), status="pending")
    with CaptureQueriesContext(connection) as large:
        response = owner.get(USERS, {"sort": "-orders"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 18
    assert len(large) == len(small)
    page = response.content.decode()
    assert 'id="crm-users"' in page
    assert 'aria-sort="descending"' in page


def token_order_package(business):
    from kazan.commerce.models import Package

    return Package.objects.filter(business=business).first()


def test_the_users_pages_need_the_queue_managers_rights(client, business):
    world = crm_world(business)
    for role in (Role.OPERATOR, Role.AGENT):
        client.logout()
        member = _client(client, business, role)
        assert member.get(USERS).status_code == 403
        assert member.get(_user_url(world.alice)).status_code == 403


def test_another_business_user_is_not_found(client, business, other_business):
    theirs = crm_world(other_business).alice
    owner = _client(client, business)

    assert owner.get(_user_url(theirs)).status_code == 404
    assert owner.post(_user_url(theirs, "block/")).status_code == 404
    assert owner.post(_user_url(theirs, "notify/"), {"text": "x"}).status_code == 404
    assert Customer.objects.get(pk=theirs.pk).blocked_at is None


def test_the_user_page_shows_profiles_orders_tokens_and_activity(client, business):
    world = crm_world(business)

    response = _client(client, business).get(_user_url(world.alice))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-profile=") == 2
    assert page.count("data-order=") == 3
    assert 'id="panel-wallet"' in page
    assert 'id="crm-team-hint"' in page
    assert "/dashboard/team/" in page


def test_the_user_page_carries_the_wallets_panel_whose_adjustment_moves_the_balance(
    client, business
):
    world = crm_world(business)
    owner = _client(client, business)

    page = owner.get(_user_url(world.carol)).content.decode()
    answer = owner.post(
        f"/dashboard/wallet/customers/{world.carol.pk}/adjust/",
        {"amount": "-15", "reason": "typo"},
        headers={"HX-Request": "true"},
    )

    assert 'id="panel-wallet"' in page
    assert 'id="wallet-adjust"' in page
    assert answer.status_code == 200
    assert token_balance(business=business, customer=world.carol) == 25
    entry = TokenEntry.objects.filter(account__customer=world.carol).first()
    assert (entry.kind, entry.amount, entry.note) == ("adjustment", -15, "typo")
    log = owner.get(_user_url(world.carol)).content.decode()
    assert 'data-action="tokens.adjusted"' in log


def test_suspension_and_reactivation(client, business):
    world = crm_world(business)
    owner = _client(client, business)

    owner.post(_user_url(world.carol, "block/"), {"action": "block"})
    assert Customer.objects.get(pk=world.carol.pk).blocked_at is not None
    owner.post(_user_url(world.carol, "block/"), {"action": "unblock"})
    assert Customer.objects.get(pk=world.carol.pk).blocked_at is None
    actions = set(
        Activity.objects.filter(target_id=str(world.carol.pk)).values_list("action", flat=True)
    )
    assert {"customer.blocked", "customer.unblocked"} <= actions


@pytest.fixture
def telegram_bot(business, settings):
    """The business's bot connected at a fake Bot API (sending itself is the outbox's job)."""
    from kazan.channels.providers.telegram.testing import FakeBotApi, telegram_connected

    with FakeBotApi() as api:
        settings.TELEGRAM_API_URL = f"{api.url}/bot"
        yield telegram_connected(business, api)


def test_an_individual_notification_is_queued_once_for_the_users_telegram(
    client, business, telegram_bot
):
    world = crm_world(business)
    owner = _client(client, business)
    form = {"text": "Your order is almost ready", "nonce": "6c1e1b52-3a59-4f53-9d1c-3d3f7c5c1a10"}

    owner.post(_user_url(world.carol, "notify/"), form)
    owner.post(_user_url(world.carol, "notify/"), form)  # a double submit

    sent = OutboundMessage.objects.filter(business=business, customer=world.carol)
    assert sent.count() == 1
    assert sent.get().channel == "telegram"
    assert Activity.objects.filter(action="crm.user_notified").count() >= 1


def test_a_suspended_user_is_not_notified_and_the_team_is_told_why(client, business):
    world = crm_world(business)

    response = _client(client, business).post(
        _user_url(world.bob, "notify/"),
        {"text": "Hello", "nonce": "6c1e1b52-3a59-4f53-9d1c-3d3f7c5c1a11"},
        follow=True,
    )

    assert not OutboundMessage.objects.filter(customer=world.bob).exists()
    assert next(iter(response.context["messages"])).level_tag == "error"


def test_a_test_notification_without_a_linked_chat_says_how_to_link_it(client, business):
    world = crm_world(business)

    response = _client(client, business).post(
        _user_url(world.alice, "test-notify/"),
        {"test-nonce": "6c1e1b52-3a59-4f53-9d1c-3d3f7c5c1a12"},
        follow=True,
    )

    message = str(next(iter(response.context["messages"])))
    assert "/start" in message


def test_a_profile_edit_uses_the_bots_field_rules(client, business):
    world = crm_world(business)
    owner = _client(client, business)
    profile = CustomerProfile.objects.filter(customer=world.alice).order_by("pk").first()
    url = _user_url(world.alice, f"profiles/{profile.pk}/")
    data = {
        "first_name": "Alicia",
        "last_name": "Adams",
        "phone_e164": "+12025550143",
        "email": "alicia@example.com",
        "gender": "female",
        "date_of_birth": "1990-04-01",
        "street": "1 Main St",
        "city": "Austin",
        "state": "TX",
        "postal_code": "73301",
        "country": "US",
    }

    bad = owner.post(url, {**data, "postal_code": "10001"})  # a New York ZIP for Texas
    good = owner.post(url, data)

    assert bad.status_code == 400
    assert "postal_code" in bad.context["form"].errors
    assert good.status_code == 302
    profile.refresh_from_db()
    assert profile.first_name == "Alicia"
    assert owner.get(url).status_code == 200


def test_another_users_profile_is_not_found_through_this_user(client, business):
    world = crm_world(business)
    bobs = CustomerProfile.objects.get(customer=world.bob)

    response = _client(client, business).get(_user_url(world.alice, f"profiles/{bobs.pk}/"))

    assert response.status_code == 404


def test_the_team_page_offers_the_operator_role_and_an_owner_gives_it(client, business):
    owner = _client(client, business)
    helper = MembershipFactory(business=business, role=Role.AGENT)

    page = owner.get("/dashboard/team/").content.decode()
    owner.post(f"/dashboard/team/members/{helper.pk}/role/", {"role": "operator"})

    assert '<option value="operator"' in page
    helper.refresh_from_db()
    assert helper.role == Role.OPERATOR


def test_a_test_notification_goes_to_the_members_own_linked_chat(client, business, telegram_bot):
    from kazan.channels.models import MemberChat
    from kazan.channels.queries import member_chat_index

    world = crm_world(business)
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    MemberChat.objects.create(
        business=business,
        user=owner,
        channel="telegram",
        external_id="555001",
        external_index=member_chat_index("555001"),
    )
    client.force_login(owner)

    client.post(
        _user_url(world.alice, "test-notify/"),
        {"test-nonce": "6c1e1b52-3a59-4f53-9d1c-3d3f7c5c1a13"},
    )

    sent = OutboundMessage.objects.get(business=business, customer__isnull=True)
    assert (sent.channel, sent.to) == ("telegram", "555001")


def test_the_users_page_links_the_profiles_export_a_member_session_downloads(client, business):
    crm_world(business)
    owner = _client(client, business)

    page = owner.get(USERS).content.decode()
    download = owner.get("/api/v1/crm/customers/export")

    assert 'id="crm-profiles-export"' in page
    assert 'href="/api/v1/crm/customers/export"' in page
    assert download.status_code == 200
    assert len(b"".join(download.streaming_content).decode("utf-8-sig").splitlines()) == 4
