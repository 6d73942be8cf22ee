"""The queue pages of the dashboard (/dashboard/queue/): the role-aware table (filters, sorts,
no N+1), inline status change with htmx, the row actions, bulk actions and the CSV export, an
order's page with the profile (the password for the assigned operator and admins only), an
operator's "My orders", the packages settings, and the shop's order list without token
orders."""

import pytest

from kazan.commerce import services
from kazan.commerce.models import Order, Package
from kazan.commerce.tests.queue_helpers import buyer, operator, package, place
from kazan.tenancy.models import Role
from kazan.wallet.queries import token_balance

pytestmark = pytest.mark.django_db
LIST = "/dashboard/queue/"


def _rows(response) -> int:
    return response.content.decode().count('class="queue-row')


@pytest.fixture
def worker(business):
    return operator(business)


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker)
    return client


def test_list_shows_the_queue_in_order_with_tokens(owner_client, business):
    regular = place(business, sites=1500)
    vip = place(business, premium=True)
    html = owner_client.get(LIST).content.decode()
    assert _rows(owner_client.get(LIST)) == 2
    assert html.index(f'data-order="{vip.number}"') < html.index(f'data-order="{regular.number}"')
    assert "1,550 tokens" in html and "60 tokens" in html
    assert 'id="nav-queue"' in html and 'hx-post="/dashboard/queue/' in html


def test_tokens_are_formatted_in_the_readers_language(client, business, owner):
    owner.language = "de"
    owner.save()
    place(business, sites=1500)
    client.force_login(owner)
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "1.550" in html


def test_filters_and_sorts(owner_client, business, owner, worker):
    first = place(business, sites=250)
    vip = place(business, premium=True)
    done = place(business)
    services.token_order_assign(business=business, order=done, operator=worker, actor=owner)
    services.token_order_complete(business=business, order=done, actor=worker)
    assert _rows(owner_client.get(LIST)) == 2  # open ones by default
    assert _rows(owner_client.get(LIST, {"status": "all"})) == 3
    assert _rows(owner_client.get(LIST, {"status": "completed"})) == 1
    assert _rows(owner_client.get(LIST, {"lane": "priority"})) == 1
    assert _rows(owner_client.get(LIST, {"status": "all", "operator": str(worker.pk)})) == 1
    assert _rows(owner_client.get(LIST, {"operator": "none"})) == 2
    assert _rows(owner_client.get(LIST, {"q": f"#{first.number}"})) == 1
    assert _rows(owner_client.get(LIST, {"q": "lovelace"})) == 2  # the profiles' name
    by_tokens = owner_client.get(LIST, {"sort": "-tokens"}).content.decode()
    assert by_tokens.index(f'data-order="{first.number}"') < by_tokens.index(
        f'data-order="{vip.number}"'
    )
    assert owner_client.get(LIST, {"sort": "nonsense", "since": "yesterday"}).status_code == 400
    assert owner_client.get(LIST, {"since": "2999-01-01"}).status_code == 200


def test_list_query_count_is_constant(
    owner_client, business, owner, worker, django_assert_max_num_queries
):
    place(business)
    with django_assert_max_num_queries(60) as captured:
        owner_client.get(LIST)
    baseline = len(captured.captured_queries)
    for index in range(10):
        order = place(business, premium=index % 2 == 0, email=True)
        if index % 3 == 0:
            services.token_order_assign(
                business=business, order=order, operator=worker, actor=owner
            )
    with django_assert_max_num_queries(baseline):
        response = owner_client.get(LIST)
    assert _rows(response) == 11


def test_inline_status_change_with_htmx_returns_the_row(owner_client, business):
    order = place(business)
    response = owner_client.post(
        f"{LIST}{order.pk}/status/", {"status": "processing"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().startswith("<tr")
    order.refresh_from_db()
    assert order.status == "processing"
    refused = owner_client.post(
        f"{LIST}{order.pk}/status/", {"status": "pending"}, HTTP_HX_REQUEST="true"
    )
    assert 'class="row-error"' in refused.content.decode()


def test_row_actions_assign_move_note_cancel_rerun(owner_client, business, worker):
    a, b = place(business), place(business)
    customer = buyer(business, tokens=100)
    c = place(business, customer)
    owner_client.post(f"{LIST}{c.pk}/move/", {"position": "1", "next": LIST})
    assert Order.objects.order_by("queue_rank").first() == c
    owner_client.post(f"{LIST}{a.pk}/assign/", {"operator": str(worker.pk)})
    a.refresh_from_db()
    assert a.status == "assigned" and a.operator == worker
    owner_client.post(f"{LIST}{b.pk}/note/", {"note": "VIP friend"})
    assert b.events.filter(note="VIP friend").exists()
    response = owner_client.post(f"{LIST}{c.pk}/cancel/", {"reason": "asked", "next": LIST})
    assert response.status_code == 302 and response["Location"] == LIST
    assert token_balance(business=business, customer=customer) == 100
    services.token_order_complete(business=business, order=a, actor=worker)
    response = owner_client.post(f"{LIST}{a.pk}/rerun/")
    rerun = Order.objects.get(rerun_of=a)
    assert response["Location"] == f"{LIST}{rerun.pk}/"


def test_next_outside_the_queue_is_ignored(owner_client, business):
    order = place(business)
    response = owner_client.post(
        f"{LIST}{order.pk}/note/", {"note": "x", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"{LIST}{order.pk}/"


def test_bulk_assign_status_cancel_and_export(owner_client, business, worker):
    orders = [place(business) for _ in range(3)]
    ids = [str(o.pk) for o in orders]
    owner_client.post(
        f"{LIST}bulk/", {"orders": ids[:2], "action": "assign", "operator": str(worker.pk)}
    )
    assert Order.objects.filter(status="assigned", operator=worker).count() == 2
    owner_client.post(
        f"{LIST}bulk/", {"orders": ids[:2], "action": "status", "status": "completed"}
    )
    assert Order.objects.filter(status="completed").count() == 2
    owner_client.post(f"{LIST}bulk/", {"orders": ids[2:], "action": "cancel"})
    assert Order.objects.get(pk=orders[2].pk).status == "cancelled"
    export = owner_client.post(f"{LIST}bulk/", {"orders": [*ids, "999999"], "action": "export"})
    assert export["Content-Type"].startswith("text/csv")
    from kazan.activity.models import Activity

    # The activity counts the rows exported, not the ids asked for (one is unknown).
    logged = Activity.objects.get(action="commerce.token_orders_exported")
    assert logged.data["count"] == 3
    body = export.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Number,")
    assert len(body.strip().splitlines()) == 4 and "Lovelace" in body
    assert "s3cret" not in body  # never the password
    bad = owner_client.post(f"{LIST}bulk/", {"orders": ids, "action": "assign"})
    assert bad.status_code == 302


def test_operator_sees_the_queue_but_cannot_manage(worker_client, business, owner, worker):
    order = place(business)
    html = worker_client.get(LIST).content.decode()
    assert _rows(worker_client.get(LIST)) == 1
    assert "hx-post" not in html and 'id="queue-bulk"' not in html
    for action, data in (
        ("cancel", {}),
        ("move", {"position": "1"}),
        ("rerun", {}),
    ):
        assert worker_client.post(f"{LIST}{order.pk}/{action}/", data).status_code == 403
    assert (
        worker_client.post(f"{LIST}bulk/", {"orders": [order.pk], "action": "cancel"}).status_code
        == 403
    )
    assert (
        worker_client.post(f"{LIST}{order.pk}/status/", {"status": "processing"}).status_code == 403
    )
    assert worker_client.get(f"{LIST}packages/").status_code == 403
    other = operator(business)
    assert (
        worker_client.post(f"{LIST}{order.pk}/assign/", {"operator": str(other.pk)}).status_code
        == 403
    )
    order.refresh_from_db()
    assert order.status == "pending" and order.operator is None


def test_operator_takes_completes_and_sees_the_password_of_their_own_only(
    worker_client, business, owner, worker
):
    mine, theirs = place(business), place(business)
    services.token_order_assign(
        business=business, order=theirs, operator=operator(business), actor=owner
    )
    page = worker_client.get(f"{LIST}{theirs.pk}/").content.decode()
    assert "Lovelace" in page and "s3cret-Pass" not in page
    assert (
        worker_client.post(f"{LIST}{theirs.pk}/status/", {"status": "completed"}).status_code == 403
    )
    worker_client.post(f"{LIST}{mine.pk}/assign/", {"take": "1"})
    mine.refresh_from_db()
    assert mine.operator == worker and mine.status == "assigned"
    assert "s3cret-Pass" in worker_client.get(f"{LIST}{mine.pk}/").content.decode()
    assert _rows(worker_client.get(f"{LIST}mine/")) == 1
    worker_client.post(f"{LIST}{mine.pk}/status/", {"status": "completed"})
    mine.refresh_from_db()
    assert mine.status == "completed"
    # Done with it: the password is no longer shown to the operator.
    assert "s3cret-Pass" not in worker_client.get(f"{LIST}{mine.pk}/").content.decode()


def test_admin_sees_every_password(owner_client, business):
    order = place(business)
    assert "s3cret-Pass" in owner_client.get(f"{LIST}{order.pk}/").content.decode()


def test_agents_without_queue_rights_are_refused(client, business):
    agent = operator(business, role=Role.AGENT)
    client.force_login(agent)
    assert client.get(LIST).status_code == 403
    assert 'id="nav-queue"' not in client.get("/dashboard/orders/").content.decode()


def test_packages_page_edits_prices_and_the_addon(owner_client, business):
    page = owner_client.get(f"{LIST}packages/")
    assert page.status_code == 200 and page.content.decode().count("data-package=") == 9
    small = package(business, 100)
    owner_client.post(
        f"{LIST}packages/{small.pk}/",
        {
            f"p{small.pk}-name": "Starter",
            f"p{small.pk}-sites": "100",
            f"p{small.pk}-price_tokens": "90",
            f"p{small.pk}-subscriber_price_tokens": "55",
        },
    )
    small.refresh_from_db()
    assert (small.name, small.price_tokens, small.subscriber_price_tokens, small.active) == (
        "Starter",
        90,
        55,
        False,
    )
    owner_client.post(
        f"{LIST}packages/",
        {
            "name": "Mega",
            "sites": "3000",
            "price_tokens": "2500",
            "subscriber_price_tokens": "2000",
        },
    )
    assert Package.objects.filter(business=business, name="Mega").exists()
    owner_client.post(
        f"{LIST}packages/addon/",
        {"email_addon_tokens": "45", "email_addon_subscriber_tokens": "25"},
    )
    from kazan.commerce.queries import commerce_settings_for

    assert commerce_settings_for(business=business).email_addon_tokens == 45
    bad = owner_client.post(
        f"{LIST}packages/",
        {"name": "Odd", "sites": "10", "price_tokens": "5", "subscriber_price_tokens": "9"},
    )
    assert bad.status_code == 400 and not Package.objects.filter(name="Odd").exists()


def test_shop_orders_leave_token_orders_out_and_redirect_to_the_queue(owner_client, business):
    order = place(business)
    assert 'class="order-row"' not in owner_client.get("/dashboard/orders/").content.decode()
    response = owner_client.get(f"/dashboard/orders/{order.pk}/")
    assert response["Location"] == f"{LIST}{order.pk}/"
    assert owner_client.get("/dashboard/orders/overview/").status_code == 200


def test_an_agent_cannot_read_note_or_invoice_a_token_order_through_the_shop(client, business):
    from kazan.commerce.models import OrderEvent
    from kazan.tenancy.tests.factories import MembershipFactory

    order = place(business)
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    response = client.get(f"/dashboard/orders/{order.pk}/")
    assert response.status_code == 302 and response["Location"] == f"{LIST}{order.pk}/"
    assert client.post(f"/dashboard/orders/{order.pk}/note/", {"note": "x"}).status_code == 404
    assert client.get(f"/dashboard/orders/{order.pk}/invoice/").status_code == 404
    assert not OrderEvent.objects.filter(order=order, kind="note").exists()
    listed = client.get("/dashboard/orders/", {"payment_method": "tokens"}).content.decode()
    assert 'class="order-row"' not in listed


def test_customer_page_lists_token_orders_in_tokens(owner_client, business):
    customer = buyer(business)
    order = place(business, customer, sites=250)
    html = owner_client.get(f"/dashboard/customers/{customer.pk}/").content.decode()
    assert f'href="{LIST}{order.pk}/"' in html and "250 tokens" in html
