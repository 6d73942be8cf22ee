"""Issue 12's "done when", in Chromium: a business imports its catalog from a CSV file on the
shop page (the dry run reports a bad row and imports nothing; the corrected file is checked,
then confirmed), connects its WhatsApp number on the Channels page (the fields pointing at a
local fake of the Graph API), a registered customer orders from the WhatsApp catalog (a signed
`order` webhook, then "Sí" to place it), and the order appears on /dashboard/orders/; the owner
opens it and moves it on, and the customer hears of it on WhatsApp."""

import pytest
from django.test import TestCase

from kazan.accounts.tests.browser import browser_sign_in
from kazan.agent.tests.helpers import make_shopper
from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.whatsapp.testing import (
    CUSTOMER_WA_ID,
    wa_order,
    wa_text,
    whatsapp_fields,
    whatsapp_post,
)
from kazan.commerce.models import Order, OrderStatus, Product
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "sku,name,category,description,price,currency,stock,retailer_id\n"
GOOD = (
    "BOX-DEG,Degustación Siciliana,Cajas regalo,Crema de pistacho y cantucci,55,EUR,10,SIC-DEG\n"
    "BOX-CLA,Box Sicilia Clásica,Cajas regalo,Passito y pistachos de Bronte,45,EUR,8,SIC-CLA\n"
    "CANN,Cannoli (6),Dulces,Ricotta de oveja,18.50,EUR,20,SIC-CANN\n"
)
BAD = "BAD,Caponata,Salados,Sin precio,no-price,EUR,5,SIC-CAPO\n"


def test_a_shop_imports_its_catalog_connects_whatsapp_and_handles_an_order(
    live_server, page, business, client, fake_graph, tmp_path, settings
):
    settings.PAYMENT_GATEWAY = ""
    business.language = "es"
    business.currency = "EUR"
    business.save(update_fields=["language", "currency"])
    owner = MembershipFactory(
        business=business, role=Role.OWNER, user=UserFactory(name="Giulia Owner")
    ).user

    # 1. The catalog, from a CSV file: the dry run finds the bad row and imports nothing.
    bad = tmp_path / "catalogo.csv"
    bad.write_text(HEADER + GOOD + BAD, encoding="utf-8")
    browser_sign_in(page, f"{live_server.url}/dashboard/shop/import/", owner.email)
    page.set_input_files("#import-form input[type=file]", str(bad))
    page.click("#import-check")
    page.wait_for_selector("#import-errors")
    assert "5" in page.locator("#import-errors").inner_text()  # the row's line
    assert page.locator("#import-confirm").count() == 0
    assert not Product.objects.filter(business=business).exists()
    good = tmp_path / "catalogo-ok.csv"
    good.write_text(HEADER + GOOD, encoding="utf-8")
    page.set_input_files("#import-form input[type=file]", str(good))
    page.click("#import-check")
    page.wait_for_selector("#import-confirm")
    assert not Product.objects.filter(business=business).exists()  # a dry run
    page.click("#import-confirm")
    page.wait_for_url("**/dashboard/shop/")
    listed = page.content()
    for name in ("Degustación Siciliana", "Box Sicilia Clásica", "Cannoli (6)"):
        assert name in listed
    assert Product.objects.get(business=business, retailer_id="SIC-CANN").price_minor == 1850

    # 2. The WhatsApp number, on the Channels page (the fake Graph API stands in for Meta).
    page.goto(f"{live_server.url}/dashboard/channels/")
    fields = whatsapp_fields(
        phone_number_id=fake_graph.phone_number_id, access_token=fake_graph.access_token
    )
    for name, value in fields.items():
        if name == "provider":
            continue
        page.fill(f"#connect-whatsapp [name={name}]", value)
    page.click("#connect-whatsapp-submit")
    page.wait_for_selector("[data-installation]")
    installation = ChannelInstallation.objects.get(business=business, channel="whatsapp")
    assert installation.is_active
    page.click(f"[data-test='{installation.pk}']")
    page.wait_for_selector("text=The connection works.")

    # 3. A registered customer orders from the WhatsApp catalog, then confirms.
    shopper = make_shopper(business, "+" + CUSTOMER_WA_ID, name="Lucía García")
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = whatsapp_post(
            client, wa_order([("SIC-DEG", 1, "55.00", "EUR"), ("SIC-CANN", 2, "18.50", "EUR")])
        )
    assert answer.status_code == 200
    tasks_run_all()
    tasks_run_all()
    heard = "\n".join(str(message) for message in fake_graph.sent)
    assert "Degustación Siciliana" in heard and "Cannoli (6)" in heard
    with TestCase.captureOnCommitCallbacks(execute=True):
        whatsapp_post(client, wa_text("Sí, gracias."))
    tasks_run_all()
    tasks_run_all()
    order = Order.objects.get(business=business, customer=shopper)
    assert order.total_minor == 5500 + 2 * 1850 and order.status == OrderStatus.PENDING
    assert order.channel == "whatsapp"

    # 4. The order shows in the dashboard; the owner opens it and moves it on.
    page.goto(f"{live_server.url}/dashboard/orders/")
    row = page.locator(f".order-row[data-order='{order.number}']")
    row.wait_for()
    assert "Lucía García" in row.inner_text() and "92" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("#order-status-form")
    page.select_option("#id_status", "processing")
    page.click("#order-status-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#order-status').textContent.trim() !== 'Pending'"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert order.events.filter(to_status="processing", actor=owner).exists()
    seen = len(fake_graph.sent)
    tasks_run_all()
    told = "\n".join(str(message) for message in fake_graph.sent[seen:])
    assert str(order.number) in told
