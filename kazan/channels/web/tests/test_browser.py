"""In a real phone-sized browser: a customer scans the QR code, chats through the whole funnel,
reads the code from the SMS outbox, reviews, and sees the voucher code and its QR — with no
third-party request (the `page` fixture fails on any) and no CSP violation."""

import re

import pytest

from kazan.analytics.models import Event, EventKind
from kazan.customers.models import Customer
from kazan.loyalty.models import Voucher
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.tests.factories import credits_given

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _otp_code(business) -> str:
    message = (
        OutboundMessage.objects.filter(business=business, purpose=Purpose.OTP)
        .order_by("-id")
        .first()
    )
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_customer_walks_the_chat_on_a_phone(live_server, page, business, consent_wordings):
    business.google_review_url = "https://g.page/r/cafe-a/review"
    business.instagram_url = "https://instagram.com/cafe-a"
    business.save()
    credits_given(business, 20)
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/{business.slug}/?src=qr")
    chat = page.locator("#chat")
    chat.get_by_text("Welcome to Café A! Thank you for visiting.").wait_for()
    page.fill("#composer input[name=name]", "Anna Beispiel")
    page.keyboard.press("Enter")
    chat.get_by_text("What is your mobile number?", exact=False).wait_for()
    # A landline cannot read the code: the chat says so and asks again.
    page.get_by_label("Mobile number").fill("030 123456")
    page.click("#composer button[type=submit]")
    chat.get_by_text("we can only send the code to a mobile number", exact=False).wait_for()
    page.get_by_label("Mobile number").fill("0151 12345678")
    page.click("#composer button[type=submit]")
    # The SMS-offers box is there and not ticked; the customer ticks it.
    consent = page.locator("#composer input[name=consent]")
    consent.wait_for()
    assert not consent.is_checked()
    consent.check()
    page.click("#composer button[type=submit]")
    chat.get_by_text("We sent a 6-digit code to", exact=False).wait_for()
    # The code field is named by its label, not by the "123456" placeholder.
    page.get_by_label("Code from the text message").fill(_otp_code(business))
    page.keyboard.press("Enter")
    chat.get_by_text("How was your visit today?").wait_for()
    page.click("#composer [data-star='4']")
    page.locator("#composer textarea").fill("Lovely cake")
    page.click("#composer button[type=submit]")

    card = page.locator(".voucher")
    card.wait_for()
    voucher = Voucher.objects.get(business=business)
    assert card.locator(".code").inner_text() == voucher.code
    qr = card.locator("img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    google = page.locator("#chat a[data-target=google]")
    assert google.get_attribute("href") == f"/{business.slug}/go/google"
    chat.get_by_text("Thank you, Anna Beispiel! See you soon.").wait_for()

    # A reload resumes: the history is shown again, the voucher included.
    page.reload()
    page.locator(".voucher .code").wait_for()
    assert page.locator(".voucher .code").inner_text() == voucher.code

    customer = Customer.objects.get(business=business)
    assert customer.name == "Anna Beispiel"
    assert Event.objects.filter(business=business, kind=EventKind.QR_SCAN).count() == 1
    assert not problems, problems
