"""In a real browser: the live SMS counter (static JS, strict CSP) agrees with the server's
preview for GSM-7 and Unicode texts, and one click after the preview sends the campaign; an
audience's recipient count follows the filters live, and a test goes to my own phone."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.campaigns.models import Campaign, CampaignStatus
from kazan.customers.models import Tag
from kazan.messaging.models import OutboundMessage
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = [
    "Hello {name}, 2 for 1 today!",
    "x" * 110,  # fits alone, the opt-out line pushes it into a second part
    "Sale [today] {voucher} – only €5 " + "y" * 60,  # extension characters, one non-GSM dash
    "Frühling 🌸 " + "z" * 40,  # an emoji: UCS-2
]


def test_live_counter_matches_the_preview_and_one_click_sends(
    live_server, page, business, consent_wordings, customers, funded
):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    problems: list[str] = []
    # The browser asks for /favicon.ico by itself; every other failed load is a problem.
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    browser_sign_in(page, f"{live_server.url}/dashboard/campaigns/new/", owner.email)
    counter = page.locator("#sms-counter")
    for text in TEXTS:
        page.fill("input[name=name]", "Spring")
        page.fill("textarea[name=body]", text)
        if "{voucher}" in text:
            page.fill("input[name=voucher_discount]", "5 € off")
            page.fill("input[name=voucher_valid_days]", "7")
        live = (counter.get_attribute("data-segments"), counter.get_attribute("data-encoding"))
        assert live[1] in counter.inner_text()
        page.click("#campaign-preview")
        page.wait_for_selector("#estimate-segments")
        server = page.inner_text("#estimate-segments")
        encoding = "UCS-2" if page.locator("#estimate-unicode").count() else "GSM-7"
        assert live == (server, encoding), text
        page.click("button[value=edit]")
        page.wait_for_selector("textarea[name=body]")
        page.fill("input[name=voucher_discount]", "")
        page.fill("input[name=voucher_valid_days]", "")
    page.fill("textarea[name=body]", TEXTS[0])
    page.click("#campaign-preview")
    page.click("#campaign-confirm")
    page.wait_for_url("**/dashboard/campaigns/")
    tasks_run_all()
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipient_count == 3
    page.reload()
    assert "Sent" in page.inner_text(f"#campaign-{campaign.pk}")
    assert not problems, problems


def test_an_audience_with_a_live_count_a_test_to_myself_and_the_send(
    live_server, page, business, consent_wordings, customers, funded
):
    # Given three consenting customers, one of them tagged "vip"
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    vip = Tag.objects.create(business=business, name="vip")
    customers[1].tags.add(vip)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    browser_sign_in(page, f"{live_server.url}/dashboard/campaigns/new/", owner.email)
    page.fill("input[name=name]", "VIP evening")
    page.fill("textarea[name=body]", "Hello {name}, VIP evening tonight!")
    # When the page opens, the count is everyone who agreed; ticking the tag narrows it live
    count = page.locator("#audience-count-value")
    count.wait_for()
    assert count.get_attribute("data-count") == "3"
    page.check(f"input[name=tags][value='{vip.pk}']")
    page.wait_for_selector("#audience-count-value[data-count='1']")
    # And a bad filter says so in place, and fixing it brings the count back
    page.select_option("select[name=rating_min]", "5")
    page.select_option("select[name=rating_max]", "1")
    page.wait_for_selector("#audience-count-problem")
    page.select_option("select[name=rating_min]", "")
    page.select_option("select[name=rating_max]", "")
    page.wait_for_selector("#audience-count-value[data-count='1']")
    # When I send a test to my own mobile: it arrives once, marked, and is nobody's copy
    page.fill("input[name=test_phone]", "0151 23456789")
    page.click("#campaign-test-send")
    page.wait_for_selector("#campaign-test-sent")
    test = OutboundMessage.objects.get()
    assert test.body.startswith("[Test] Hello ") and test.purpose == "transactional"
    # And a landline is refused in place
    page.fill("input[name=test_phone]", "030 12345678")
    page.click("#campaign-test-send")
    page.wait_for_selector("#campaign-test-problem")
    assert OutboundMessage.objects.count() == 1
    # When I preview and send, only the audience receives it
    page.click("#campaign-preview")
    assert page.inner_text("#estimate-recipients") == "1"
    page.click("#campaign-confirm")
    page.wait_for_url("**/dashboard/campaigns/")
    tasks_run_all()
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipient_count == 1
    assert campaign.audience == {"tags": [vip.pk]}
    assert list(campaign.recipients.values_list("customer_id", flat=True)) == [customers[1].pk]
    assert not problems, problems


def test_the_telegram_counter_counts_like_the_server_and_the_preview_shows_the_heading(
    live_server, page, business, tg_audience
):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    browser_sign_in(page, f"{live_server.url}/dashboard/campaigns/broadcast/new/", owner.email)
    page.fill("input[name=name]", "News")
    page.fill("input[name=emoji]", "📢")
    page.fill("input[name=title]", "New packages")
    text = "Hello {name} 😀 " + "a" * 20  # the emoji counts two, as Telegram counts it
    page.fill("textarea[name=body]", text)
    assert page.inner_text("#chat-counter").startswith("36 ")
    assert page.inner_text("#chat-preview").startswith("📢 New packages\n\nHello Alex 😀")
    page.click("#broadcast-preview")
    page.wait_for_selector("#broadcast-characters")
    assert page.inner_text("#broadcast-characters") == "36"
    assert page.inner_text("#broadcast-recipients") == "3"
    page.click("#campaign-confirm")
    page.wait_for_selector("#campaign-delivery")
    assert Campaign.objects.get().title == "New packages"
    assert problems == []
