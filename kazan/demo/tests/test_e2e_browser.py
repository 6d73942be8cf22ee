"""The issue's end-to-end path on `make run`'s demo data, in Debian's chromium: a guest opens the
demo café's QR URL on a phone, chats, reads the code from the SMS outbox, reviews, sees the
voucher; then the owner signs in at the counter and redeems it. No third-party request (the
`page` fixture fails on any)."""

import re

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.demo.services import DEMO_SLUG, TEAM, demo_load
from kazan.loyalty.models import Voucher
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.tenancy.models import Business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code_from_outbox(business) -> str:
    sms = OutboundMessage.objects.filter(business=business, purpose=Purpose.OTP).latest("id")
    return re.search(r"\b(\d{6})\b", sms.body).group(1)


def test_guest_gets_a_voucher_through_the_chat_and_the_owner_redeems_it(
    live_server, page, browser, consent_wordings
):
    demo_load()
    business = Business.objects.get(slug=DEMO_SLUG)

    # The guest, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/{DEMO_SLUG}/?src=qr")
    chat = page.locator("#chat")
    chat.get_by_text(f"Welcome to {business.name}!", exact=False).wait_for()
    page.fill("#composer input[name=name]", "Erika Gast")
    page.keyboard.press("Enter")
    page.fill("#composer input[name=phone]", "0171 5550123")
    page.click("#composer button[type=submit]")
    page.locator("#composer input[name=consent]").wait_for()
    page.click("#composer button[type=submit]")  # no consent for offers: still a full visit
    chat.get_by_text("We sent a 6-digit code to", exact=False).wait_for()
    page.fill("#composer input[name=otp]", _code_from_outbox(business))
    page.keyboard.press("Enter")
    chat.get_by_text("How was your visit today?").wait_for()
    page.click("#composer [data-star='5']")
    page.locator("#composer textarea").fill("Great coffee")
    page.click("#composer button[type=submit]")
    page.locator(".voucher .code").wait_for()
    shown = page.locator(".voucher .code").inner_text()
    voucher = Voucher.objects.get(business=business, code=shown)
    assert voucher.customer.name == "Erika Gast"
    assert voucher.redeemed_at is None

    # The owner, at the counter, in a browser of their own.
    context = browser.new_context()
    counter = context.new_page()
    try:
        owner_email, _, _, owner_password = TEAM[0]
        browser_sign_in(
            counter, f"{live_server.url}/dashboard/vouchers/", owner_email, owner_password
        )
        counter.fill("input[name=code]", shown)
        counter.keyboard.press("Enter")
        counter.wait_for_selector("[data-state=valid]")
        counter.click("#redeem-button")
        counter.wait_for_selector("[data-state=redeemed-now]")
    finally:
        context.close()
    voucher.refresh_from_db()
    assert voucher.redeemed_at is not None
