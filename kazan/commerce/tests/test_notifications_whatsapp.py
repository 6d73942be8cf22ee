"""Order notifications and cart reminders on WhatsApp, against the fake Graph API: the text
inside the 24-hour window, the installation's template outside it (the tracking code in its
parameter), a refused send noted on the order; reminders once per cart and only with
marketing consent."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.analytics.enums import EventKind
from kazan.analytics.models import Event
from kazan.channels.providers.whatsapp.testing import CUSTOMER_WA_ID, whatsapp_connected
from kazan.commerce import services
from kazan.commerce.models import Cart
from kazan.commerce.tasks import abandoned_carts_remind
from kazan.commerce.tests.orders_helpers import product, shopper
from kazan.customers.models import ChannelIdentity
from kazan.customers.services import identity_inbound_mark
from kazan.customers.tests.factories import consent_given
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db
HANDLE = f"+{CUSTOMER_WA_ID}"


@pytest.fixture
def wa(business, fake_graph):
    return whatsapp_connected(business, fake_graph, template_language="es")


@pytest.fixture
def ana(business, wa):
    customer = shopper(business, channel="whatsapp", handle=HANDLE, name="Ana", language="es")
    identity_inbound_mark(business=business, channel="whatsapp", handle=HANDLE)
    return customer


def _marketing_consent(customer):
    from kazan.customers.models import ConsentWording

    ConsentWording.objects.get_or_create(
        purpose="whatsapp_marketing",
        version="test-1",
        language="es",
        defaults={"text": "Acepto recibir ofertas por WhatsApp."},
    )
    consent_given(customer, purpose="whatsapp_marketing", channel="whatsapp")


def _window_closed(business):
    ChannelIdentity.objects.filter(business=business, channel="whatsapp").update(
        last_inbound_at=timezone.now() - dt.timedelta(hours=30)
    )


def _order(business, customer):
    box = product(business)
    services.cart_add(business=business, customer=customer, channel="whatsapp", product_id=box.pk)
    return services.order_create(
        business=business, customer=customer, channel="whatsapp", payment_method="on_delivery"
    ).order


def _change(business, order, status, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        services.order_status_change(
            business=business, order=order, to_status=status, actor=None, **kwargs
        )
    tasks_run_all()


def test_inside_the_window_the_customer_gets_the_text_in_spanish(
    business, ana, fake_graph, django_capture_on_commit_callbacks
):
    order = _order(business, ana)
    _change(business, order, "processing", django_capture_on_commit_callbacks)
    assert [m["type"] for m in fake_graph.sent] == ["text"]
    assert (
        "pedido" in fake_graph.sent[0]["text"]["body"].lower()
        or str(order.number) in (fake_graph.sent[0]["text"]["body"])
    )


def test_outside_the_window_the_template_carries_the_tracking_code(
    business, ana, fake_graph, django_capture_on_commit_callbacks
):
    order = _order(business, ana)
    _window_closed(business)
    _change(business, order, "processing", django_capture_on_commit_callbacks)
    _change(business, order, "shipped", django_capture_on_commit_callbacks, tracking_code="ES-42")
    templates = [m["template"] for m in fake_graph.sent]
    assert [t["name"] for t in templates] == ["order_update", "order_shipped"]
    assert templates[0]["language"]["code"] == "es"
    assert "ES-42" in templates[1]["components"][0]["parameters"][0]["text"]


def test_outside_the_window_without_templates_the_refusal_is_noted(
    business, fake_graph, django_capture_on_commit_callbacks
):
    whatsapp_connected(
        business,
        fake_graph,
        template_order_update="",
        template_order_shipped="",
        template_cart_reminder="",
    )
    customer = shopper(business, channel="whatsapp", handle=HANDLE, language="es")
    order = _order(business, customer)
    _change(business, order, "processing", django_capture_on_commit_callbacks)
    # The default template name goes out: Meta refuses an unknown one, never the team.
    assert fake_graph.sent and fake_graph.sent[0]["type"] == "template"


def test_no_channel_is_noted_and_never_an_error(
    business, owner, django_capture_on_commit_callbacks
):
    customer = shopper(business, channel="whatsapp", handle=HANDLE, language="es")
    order = _order(business, customer)
    _change(business, order, "processing", django_capture_on_commit_callbacks)
    note = order.events.get(kind="note", actor_kind="system")
    assert note.note


def test_abandoned_cart_reminder_once_and_only_with_consent(
    business, ana, fake_graph, django_capture_on_commit_callbacks
):
    box = product(business)
    services.cart_add(business=business, customer=ana, channel="whatsapp", product_id=box.pk)
    stranger = shopper(business, channel="whatsapp", handle="+34600000001", language="es")
    services.cart_add(business=business, customer=stranger, channel="whatsapp", product_id=box.pk)
    Cart.objects.update(updated_at=timezone.now() - dt.timedelta(hours=5))
    assert abandoned_carts_remind.call() == 0  # nobody agreed to offers yet
    _marketing_consent(ana)
    with django_capture_on_commit_callbacks(execute=True):
        assert abandoned_carts_remind.call() == 1
    tasks_run_all()
    assert len(fake_graph.sent) == 1
    assert abandoned_carts_remind.call() == 0  # once per cart
    assert Cart.objects.get(customer=ana).reminded_at is not None
    assert Cart.objects.get(customer=stranger).reminded_at is None
    assert Event.objects.filter(business=business, kind=EventKind.CART_ABANDONED).count() == 1


def test_a_fresh_cart_is_not_reminded(business, ana):
    box = product(business)
    services.cart_add(business=business, customer=ana, channel="whatsapp", product_id=box.pk)
    _marketing_consent(ana)
    assert services.carts_remind(business=business) == 0
