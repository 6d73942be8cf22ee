"""Token orders and the queue (seed 004 §3.2, §8.1, §8.2): prices, the charge in the order's
transaction, the lanes and moves, the status machine, refunds once, reruns, notifications."""

import pytest

from kazan.commerce import services
from kazan.commerce.models import Order, OrderEvent, Package
from kazan.commerce.queries import customer_token_orders, packages_active, queue_position
from kazan.commerce.queries.queue import queue_snapshot
from kazan.commerce.services.packages import DEFAULT_PACKAGES
from kazan.commerce.services.queue_notifications import operator_assigned_notify
from kazan.commerce.tests.queue_helpers import buyer, operator, package, place, profile_of
from kazan.core.errors import Conflict, ValidationFailed
from kazan.messaging.models import OutboundMessage
from kazan.tenancy.models import Role
from kazan.wallet.errors import InsufficientTokens
from kazan.wallet.models import TokenEntry
from kazan.wallet.queries import token_balance

pytestmark = pytest.mark.django_db

SEED_TABLE = [
    (100, 100, 60),
    (250, 250, 150),
    (550, 550, 350),
    (650, 650, 450),
    (850, 850, 650),
    (1000, 1000, 750),
    (1200, 1000, 750),
    (1350, 1350, 1150),
    (1500, 1550, 1250),
]


def _positions(business):
    return [Order.objects.get(pk=pk).number for pk in queue_snapshot(business=business)]


# --- packages and prices ---------------------------------------------------------------------


def test_default_packages_are_exactly_the_seed_table_and_created_once(business):
    services.packages_ensure_defaults(business=business)
    services.packages_ensure_defaults(business=business)
    rows = [
        (p.sites, p.price_tokens, p.subscriber_price_tokens)
        for p in packages_active(business=business)
    ]
    assert rows == SEED_TABLE == list(DEFAULT_PACKAGES)
    assert Package.objects.filter(business=business).count() == 9


def test_a_business_that_edited_its_packages_keeps_them(business, owner):
    services.packages_ensure_defaults(business=business)
    small = package(business, 100)
    services.package_deactivate(business=business, package=small, actor=owner)
    services.packages_ensure_defaults(business=business)
    assert len(packages_active(business=business)) == 8


@pytest.mark.parametrize(("sites", "regular", "subscriber"), SEED_TABLE)
def test_quote_regular_and_subscriber_for_every_package(business, sites, regular, subscriber):
    plain, premium = buyer(business), buyer(business, premium=True)
    chosen = package(business, sites)
    quote = services.token_order_quote(
        business=business, customer=plain, package=chosen, email_confirmation=False
    )
    assert (quote.total, quote.subscriber) == (regular, False)
    quote = services.token_order_quote(
        business=business, customer=premium, package=chosen, email_confirmation=False
    )
    assert (quote.total, quote.subscriber) == (subscriber, True)


def test_email_addon_costs_50_or_30_for_subscribers_and_follows_settings(business, owner):
    plain, premium = buyer(business), buyer(business, premium=True)
    chosen = package(business, 250)
    assert services.token_order_quote(
        business=business, customer=plain, package=chosen, email_confirmation=True
    ) == services.TokenQuote(package_tokens=250, addon_tokens=50, total=300, subscriber=False)
    assert (
        services.token_order_quote(
            business=business, customer=premium, package=chosen, email_confirmation=True
        ).total
        == 150 + 30
    )
    services.addon_prices_set(
        business=business, email_addon_tokens=40, email_addon_subscriber_tokens=20, actor=owner
    )
    assert (
        services.token_order_quote(
            business=business, customer=plain, package=chosen, email_confirmation=True
        ).addon_tokens
        == 40
    )


def test_package_prices_are_validated(business, owner):
    with pytest.raises(ValidationFailed):
        services.package_create(
            business=business,
            name="Big",
            sites=10,
            price_tokens=10,
            subscriber_price_tokens=20,
            actor=owner,
        )
    services.packages_ensure_defaults(business=business)
    with pytest.raises(ValidationFailed):  # the name is taken
        services.package_create(
            business=business,
            name="100 sites",
            sites=10,
            price_tokens=10,
            subscriber_price_tokens=5,
            actor=owner,
        )


# --- placing ---------------------------------------------------------------------------------


def test_place_charges_the_tokens_in_the_order_and_queues_it(business):
    customer = buyer(business, tokens=1000)
    order = place(business, customer, sites=550, email=True)
    assert order.status == "pending" and order.payment_method == "tokens"
    assert (order.currency, order.total_minor, order.sites_count) == ("TOK", 600, 550)
    assert token_balance(business=business, customer=customer) == 400
    debit = TokenEntry.objects.get(reference=f"order:{order.pk}", kind="order")
    assert debit.amount == -600
    assert queue_position(business=business, order=order) == 1
    assert [i.name for i in order.items.all()] == ["550 sites", "Email confirmation"]


def test_a_total_other_than_the_quoted_one_is_refused_and_charges_nothing(business):
    customer = buyer(business, tokens=500)
    with pytest.raises(Conflict) as refused:
        services.token_order_place(
            business=business,
            customer=customer,
            profile=profile_of(business, customer),
            package=package(business, 100),
            email_confirmation=False,
            channel="web",
            expected_total=60,
        )
    assert refused.value.code == "quote_changed"
    assert not Order.objects.exists()
    assert token_balance(business=business, customer=customer) == 500


def test_insufficient_balance_writes_nothing(business):
    customer = buyer(business, tokens=99)
    with pytest.raises(InsufficientTokens) as caught:
        place(business, customer, sites=100)
    assert (caught.value.balance, caught.value.needed) == (99, 100)
    assert not Order.objects.exists()
    assert not OrderEvent.objects.exists()
    assert token_balance(business=business, customer=customer) == 99


def test_another_customers_profile_is_refused(business):
    customer, stranger = buyer(business), buyer(business)
    with pytest.raises(ValidationFailed):
        services.token_order_place(
            business=business,
            customer=customer,
            profile=profile_of(business, stranger),
            package=package(business),
            email_confirmation=False,
            channel="web",
        )
    assert not Order.objects.exists()


def test_priority_lane_goes_first_each_lane_fifo(business):
    first = place(business)
    second = place(business)
    vip = place(business, premium=True)
    third = place(business)
    vip2 = place(business, premium=True)
    assert _positions(business) == [o.number for o in (vip, vip2, first, second, third)]
    assert queue_position(business=business, order=third) == 5
    assert vip.priority and vip.subscriber_price and vip.total_minor == 60


def test_customer_orders_carry_their_positions(business):
    customer = buyer(business)
    place(business)
    mine = place(business, customer)
    rows = customer_token_orders(business=business, customer=customer)
    assert [(r.number, r.position, r.tokens) for r in rows] == [(mine.number, 2, 100)]


# --- moves -----------------------------------------------------------------------------------


def test_queue_move_reranks_inside_the_lane(business, owner):
    a, b, c, d = (place(business) for _ in range(4))
    services.queue_move(business=business, order=d, position=1, actor=owner)
    assert _positions(business) == [d.number, a.number, b.number, c.number]
    services.queue_move(business=business, order=d, position=3, actor=owner)
    assert _positions(business) == [a.number, b.number, d.number, c.number]
    services.queue_move(business=business, order=a, position=99, actor=owner)
    assert _positions(business) == [b.number, d.number, c.number, a.number]
    # The panel's live stream follows updated_at: a move touches the order it moved.
    import datetime as dt

    from django.utils import timezone

    long_ago = timezone.now() - dt.timedelta(days=1)
    Order.objects.update(updated_at=long_ago)
    services.queue_move(business=business, order=c, position=1, actor=owner)
    assert Order.objects.get(pk=c.pk).updated_at > long_ago
    assert OrderEvent.objects.filter(order=d, kind="move").count() == 2


def test_a_regular_order_cannot_jump_the_priority_lane(business, owner):
    vip = place(business, premium=True)
    regular = place(business)
    other = place(business)
    services.queue_move(business=business, order=other, position=1, actor=owner)
    assert _positions(business) == [vip.number, other.number, regular.number]


def test_many_moves_renumber_when_ranks_run_out_and_stay_unique(business, owner):
    orders = [place(business) for _ in range(4)]
    for _ in range(14):  # halving the gap between positions 1 and 2 until it is gone
        services.queue_move(business=business, order=orders[-1], position=2, actor=owner)
        services.queue_move(business=business, order=orders[-2], position=2, actor=owner)
    ranks = list(Order.objects.exclude(queue_rank=None).values_list("queue_rank", flat=True))
    assert len(set(ranks)) == 4
    # Renumbering touches every order of the lane (the live stream follows updated_at).
    import datetime as dt

    from django.utils import timezone

    long_ago = timezone.now() - dt.timedelta(days=1)
    Order.objects.update(updated_at=long_ago)
    for _ in range(14):
        services.queue_move(business=business, order=orders[-1], position=2, actor=owner)
        services.queue_move(business=business, order=orders[-2], position=2, actor=owner)
    assert not Order.objects.filter(updated_at=long_ago).exists()
    assert len(_positions(business)) == 4


def test_move_of_an_order_out_of_the_queue_is_refused(business, owner):
    order = place(business)
    services.token_order_cancel(business=business, order=order, actor=owner)
    with pytest.raises(Conflict):
        services.queue_move(business=business, order=order, position=1, actor=owner)


# --- statuses --------------------------------------------------------------------------------


def test_the_whole_way_pending_processing_assigned_completed(business, owner):
    worker = operator(business)
    order = place(business)
    services.token_order_status_set(
        business=business, order=order, status="processing", actor=owner
    )
    order = services.token_order_assign(
        business=business, order=order, operator=worker, actor=owner
    )
    assert order.status == "assigned" and order.operator == worker and order.queue_rank is None
    order = services.token_order_complete(business=business, order=order, actor=worker)
    assert order.status == "completed" and order.completed_at
    steps = list(order.events.filter(kind="status").values_list("to_status", flat=True))
    assert steps == ["pending", "processing", "assigned", "completed"]


def test_assigning_a_pending_order_passes_through_processing(business, owner):
    worker = operator(business)
    order = services.token_order_assign(
        business=business, order=place(business), operator=worker, actor=owner
    )
    steps = list(order.events.filter(kind="status").values_list("from_status", "to_status"))
    assert steps == [("", "pending"), ("pending", "processing"), ("processing", "assigned")]


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), "completed"),  # pending → completed
        (("processing",), "completed"),
        ((), "assigned"),  # through status_set without an operator
    ],
)
def test_refused_transitions(business, owner, path, target):
    order = place(business)
    for status in path:
        services.token_order_status_set(business=business, order=order, status=status, actor=owner)
    with pytest.raises(Conflict):
        services.token_order_status_set(business=business, order=order, status=target, actor=owner)


def test_a_second_take_of_the_same_order_is_refused(business, owner):
    first, second = operator(business), operator(business)
    order = place(business)
    stale = Order.objects.get(pk=order.pk)
    services.token_order_assign(
        business=business, order=order, operator=first, actor=first, take=True
    )
    with pytest.raises(Conflict):
        services.token_order_assign(
            business=business, order=stale, operator=second, actor=second, take=True
        )
    order.refresh_from_db()
    assert order.operator == first


def test_completing_someone_elses_order_is_refused(business, owner):
    first, second = operator(business), operator(business)
    order = place(business)
    services.token_order_assign(business=business, order=order, operator=first, actor=owner)
    with pytest.raises(Conflict):
        services.token_order_complete(
            business=business, order=order, actor=second, operator_id=second.pk
        )
    with pytest.raises(Conflict):
        services.token_order_status_set(
            business=business, order=order, status="completed", actor=second, operator_id=second.pk
        )
    order.refresh_from_db()
    assert order.status == "assigned"
    services.token_order_complete(business=business, order=order, actor=first, operator_id=first.pk)


def test_only_queue_workers_can_be_assigned(business, owner):
    agent = operator(business, role=Role.AGENT)
    with pytest.raises(ValidationFailed):
        services.token_order_assign(
            business=business, order=place(business), operator=agent, actor=owner
        )


def test_a_token_order_cannot_take_shop_statuses(business, owner):
    order = place(business)
    with pytest.raises(Conflict):
        services.order_status_change(
            business=business, order=order, to_status="shipped", actor=owner
        )


# --- cancel and refund -----------------------------------------------------------------------


def test_cancel_refunds_once_even_when_asked_twice(business, owner):
    customer = buyer(business, tokens=500)
    order = place(business, customer, sites=250)
    assert token_balance(business=business, customer=customer) == 250
    services.token_order_cancel(business=business, order=order, actor=owner, reason="duplicate")
    services.token_order_cancel(business=business, order=order, actor=owner)
    assert token_balance(business=business, customer=customer) == 500
    assert TokenEntry.objects.filter(kind="refund", reference=f"order:{order.pk}").count() == 1
    order.refresh_from_db()
    assert order.status == "cancelled" and order.queue_rank is None
    assert order.events.filter(to_status="cancelled").count() == 1


def test_neither_completion_nor_a_later_cancel_of_a_completed_order_refunds(business, owner):
    customer = buyer(business, tokens=100)
    worker = operator(business)
    order = place(business, customer)
    services.token_order_assign(business=business, order=order, operator=worker, actor=owner)
    services.token_order_complete(business=business, order=order, actor=worker)
    assert token_balance(business=business, customer=customer) == 0
    order = services.token_order_cancel(business=business, order=order, actor=owner)
    assert order.status == "cancelled"
    assert token_balance(business=business, customer=customer) == 0
    assert not TokenEntry.objects.filter(kind="refund", reference=f"order:{order.pk}").exists()


def test_cancel_shifts_the_queue(business, owner):
    a, b, c = (place(business) for _ in range(3))
    services.token_order_cancel(business=business, order=a, actor=owner)
    assert _positions(business) == [b.number, c.number]


# --- rerun -----------------------------------------------------------------------------------


def test_rerun_of_a_completed_order_is_free_and_queued_once(business, owner):
    customer = buyer(business, tokens=100)
    worker = operator(business)
    order = place(business, customer)
    services.token_order_assign(business=business, order=order, operator=worker, actor=owner)
    services.token_order_complete(business=business, order=order, actor=worker)
    rerun = services.token_order_rerun(business=business, order=order, actor=owner)
    assert rerun.rerun_of == order and rerun.total_minor == 0 and rerun.status == "pending"
    assert rerun.profile_id == order.profile_id and rerun.package_id == order.package_id
    assert queue_position(business=business, order=rerun) == 1
    assert token_balance(business=business, customer=customer) == 0
    with pytest.raises(Conflict):
        services.token_order_rerun(business=business, order=order, actor=owner)
    # Cancelling the free rerun gives nothing back (nothing was charged for it).
    services.token_order_cancel(business=business, order=rerun, actor=owner)
    assert token_balance(business=business, customer=customer) == 0


def test_rerun_of_an_open_order_is_refused(business, owner):
    with pytest.raises(Conflict):
        services.token_order_rerun(business=business, order=place(business), actor=owner)


def test_notes_go_to_the_history(business, owner):
    order = place(business)
    services.token_order_note_add(business=business, order=order, actor=owner, note="Called them")
    assert order.events.filter(kind="note", note="Called them").exists()
    with pytest.raises(ValidationFailed):
        services.token_order_note_add(business=business, order=order, actor=owner, note="  ")


# --- notifications ---------------------------------------------------------------------------


def _texts(customer):
    return list(
        OutboundMessage.objects.filter(customer=customer)
        .order_by("id")
        .values_list("body", flat=True)
    )


def test_customer_is_told_confirmation_with_position_and_every_status(
    business, owner, django_capture_on_commit_callbacks
):
    worker = operator(business)
    place(business)
    customer = buyer(business)
    with django_capture_on_commit_callbacks(execute=True):
        order = place(business, customer, email=True)
    texts = _texts(customer)
    assert len(texts) == 1
    assert "150 tokens" in texts[0] and "Your place in the queue: 2." in texts[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.token_order_assign(business=business, order=order, operator=worker, actor=owner)
        services.token_order_complete(business=business, order=order, actor=worker)
    texts = _texts(customer)
    assert len(texts) == 3 and "completed" in texts[-1]
    keys = set(
        OutboundMessage.objects.filter(customer=customer).values_list("idempotency_key", flat=True)
    )
    assert keys == {
        f"order-{order.pk}-placed",
        f"order-{order.pk}-assigned",
        f"order-{order.pk}-completed",
    }


def test_placing_reads_only_the_new_orders_position_not_the_whole_queue(
    business, monkeypatch, django_capture_on_commit_callbacks
):
    from kazan.commerce.services import queue as queue_module

    place(business)
    customer = buyer(business, premium=True)

    def whole_queue(**kwargs):
        raise AssertionError("placing read the whole queue")

    monkeypatch.setattr(queue_module, "queue_snapshot", whole_queue)
    with django_capture_on_commit_callbacks(execute=True):
        place(business, customer)
    assert "Your place in the queue: 1." in _texts(customer)[0]


def test_cancel_tells_the_refund(business, owner, django_capture_on_commit_callbacks):
    customer = buyer(business)
    order = place(business, customer, sites=250)
    with django_capture_on_commit_callbacks(execute=True):
        services.token_order_cancel(business=business, order=order, actor=owner)
        services.token_order_cancel(business=business, order=order, actor=owner)
    cancelled = [t for t in _texts(customer) if "cancelled" in t]
    assert cancelled == [
        f"Your order {order.number} was cancelled and 250 tokens went back to your balance."
    ]


def test_position_notices_only_at_milestones(business, owner, django_capture_on_commit_callbacks):
    ahead = [place(business) for _ in range(4)]
    customer = buyer(business)
    mine = place(business, customer)  # position 5
    with django_capture_on_commit_callbacks(execute=True):
        services.token_order_cancel(business=business, order=ahead[0], actor=owner)  # → 4
    assert _texts(customer) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.token_order_cancel(business=business, order=ahead[1], actor=owner)  # → 3
        services.token_order_cancel(business=business, order=ahead[2], actor=owner)  # → 2
    assert _texts(customer) == [
        f"Your order {mine.number} moved up: it is number 3 in the queue.",
        f"Your order {mine.number} moved up: it is number 2 in the queue.",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_move(business=business, order=mine, position=1, actor=owner)
    assert _texts(customer)[-1] == f"Your order {mine.number} is next in the queue."


def test_operator_hears_of_an_assignment_in_their_linked_chat(
    business, owner, fake_bot_api, django_capture_on_commit_callbacks
):
    from kazan.channels.models import MemberChat
    from kazan.channels.providers.telegram.testing import telegram_connected
    from kazan.channels.queries import member_chat_index

    telegram_connected(business, fake_bot_api)
    worker, unlinked = operator(business), operator(business)
    MemberChat.objects.create(
        business=business,
        user=worker,
        channel="telegram",
        external_id="4242",
        external_index=member_chat_index("4242"),
    )
    order, other = place(business), place(business)
    with django_capture_on_commit_callbacks(execute=True):
        services.token_order_assign(business=business, order=order, operator=worker, actor=owner)
        services.token_order_assign(business=business, order=other, operator=unlinked, actor=owner)
    sent = OutboundMessage.objects.filter(customer=None).get()
    assert sent.to == "4242" and sent.channel == "telegram"
    assert f"Order {order.number}" in sent.body
    # Without a linked chat nothing is sent and nothing breaks.
    assert not operator_assigned_notify(
        business=business, order_id=other.pk, operator_id=unlinked.pk
    )


def test_a_customer_out_of_reach_is_noted_on_the_order(
    business, django_capture_on_commit_callbacks
):
    customer = buyer(business)
    customer.identities.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(business, customer)
    assert order.events.filter(kind="note", actor_kind="system", note__contains="not told").exists()


def test_the_status_machine_and_the_figures_list_the_same_statuses():
    from kazan.commerce.queries.token_stats import TOKEN_STATUSES
    from kazan.commerce.services.queue_status import TOKEN_TRANSITIONS

    assert tuple(TOKEN_TRANSITIONS) == TOKEN_STATUSES
