"""Seed 002's purchase dialog over the WhatsApp webhook (signed like Meta, through the stored
event and its task) with the local agent: the shop flow bound on connect, the gift boxes as a
multi-product message of the installation's catalog, and the order's payment link, all received
by the fake Graph API."""

import pytest
from django.test import TestCase

from kazan.agent.tests.helpers import make_shopper
from kazan.channels.providers.whatsapp.testing import (
    CATALOG_ID,
    CUSTOMER_WA_ID,
    wa_text,
    whatsapp_connected,
    whatsapp_post,
)
from kazan.commerce.models import Order
from kazan.commerce.testing import sicilian_shop
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db


def _say(client, text):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert whatsapp_post(client, wa_text(text)).status_code == 200
    tasks_run_all()
    tasks_run_all()


def test_purchase_dialog_over_whatsapp(client, shop_business, fake_graph):
    whatsapp_connected(shop_business, fake_graph)  # binds the agent's shop flow
    sicilian_shop(shop_business)
    shopper = make_shopper(shop_business, f"+{CUSTOMER_WA_ID}")
    _say(client, "Hola, estoy buscando productos típicos sicilianos para regalar.")
    _say(client, "Mi presupuesto es de unos 50€. Preferiría un surtido de dulces y salados.")
    products = [m for m in fake_graph.sent if m.get("type") == "interactive"
                and m["interactive"]["type"] == "product_list"]  # fmt: skip
    assert products, [m.get("type") for m in fake_graph.sent]
    action = products[0]["interactive"]["action"]
    assert action["catalog_id"] == CATALOG_ID
    retailer_ids = {
        i["product_retailer_id"] for s in action["sections"] for i in s["product_items"]
    }
    assert retailer_ids == {"SIC-BOX-CLASICA", "SIC-BOX-DEGUSTACION", "SIC-BOX-SABORES"}
    _say(client, "Me llevo la Degustación Siciliana.")
    _say(client, "Sí, gracias.")
    order = Order.objects.get(business=shop_business, customer=shopper)
    assert order.total_minor == 5500
    bodies = " ".join(str(m) for m in fake_graph.sent[-4:])
    assert f"/{shop_business.slug}/link/" in bodies
