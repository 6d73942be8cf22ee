import re

import pyotp
import pytest
from django.core.management import call_command

from kazan.accounts.models import User
from kazan.billing.models import Payment
from kazan.console.models import Alert
from kazan.customers.models import Customer
from kazan.customers.queries import customers_consenting
from kazan.demo.services import DEMO_SLUG, STAFF_EMAIL, STAFF_PASSWORD, TEAM
from kazan.demo.shop import SHOP_OWNER
from kazan.loyalty.models import Review
from kazan.messaging.models import OutboundMessage
from kazan.messaging.queries import sms_balance
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_demo_load_builds_the_demo_cafe_and_prints_working_logins(capsys, client):
    call_command("demo_load")
    output = capsys.readouterr().out

    business = Business.objects.get(slug=DEMO_SLUG)
    # 25 guests, and 3 people who wrote through the contact form (a 4th is a guest)
    assert Customer.objects.filter(business=business).count() == 28
    assert customers_consenting(business=business, purpose="sms_marketing").count() == 17
    assert Review.objects.filter(business=business).count() > 10
    # a verification code for every verified visit, the voucher by SMS for every new customer
    messages = OutboundMessage.objects.filter(business=business)
    assert messages.filter(purpose="otp").count() > 25
    # (the bot's and the team's SMS in the inbox threads go to guests the chat has not matched
    # to a customer)
    assert messages.filter(purpose="transactional", customer__isnull=False).count() == 25
    # only this month's package was bought through the ledger; older payments are history
    assert Payment.objects.filter(business=business, status="paid").exists()
    spent = sum(message.credits for message in messages)
    assert sms_balance(business=business) == 500 - spent + 200
    from kazan.billing.queries import bank_details, package_overview

    assert package_overview(business=business).sms_booked == 200
    assert bank_details().iban == "DE89370400440532013000"
    assert business.memberships.count() == 3
    # the funnel's history for the overview charts, vouchers, package, a campaign, reminders
    from kazan.analytics.models import DailyCount
    from kazan.billing.models import Subscription
    from kazan.campaigns.models import Campaign, ReminderRule
    from kazan.loyalty.models import Voucher

    assert DailyCount.objects.filter(business=business, kind="qr_scan").count() >= 90
    assert Voucher.objects.filter(business=business).count() == 25  # one welcome gift each
    assert Voucher.objects.filter(business=business, redeemed_at__isnull=False).count() > 5
    assert Subscription.objects.filter(business=business).exists()
    assert Campaign.objects.get(business=business).status == "scheduled"
    assert ReminderRule.objects.get(business=business).enabled
    assert User.objects.get(is_staff=True).check_password(STAFF_PASSWORD)
    assert STAFF_EMAIL in output and STAFF_PASSWORD in output
    assert f"/{DEMO_SLUG}/?src=qr" in output
    for email, _, _, password in TEAM:
        assert email in output and password in output
    assert SHOP_OWNER[0] in output and SHOP_OWNER[2] in output

    # the demo messages are delivered by the worker like any others
    tasks_run_all()
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"delivered"}

    # and the printed owner login works
    owner_email, _, _, owner_password = TEAM[0]
    client.post("/accounts/login/", {"email": owner_email, "password": owner_password})
    assert client.get("/dashboard/").status_code == 200


def test_demo_load_fills_the_platform_console(capsys, client):
    call_command("demo_load")
    output = capsys.readouterr().out
    assert "/console/" in output

    # the café, the Sicilian shop, the Telegram CRM and 8 in the console
    assert Business.objects.count() == 11
    assert Business.objects.filter(status="suspended").count() == 1
    open_alerts = set(
        Alert.objects.filter(resolved_at__isnull=True).values_list("business__slug", "kind")
    )
    assert ("berlin-bistro", "inactive_business") in open_alerts
    assert ("istanbul-cay-evi", "payment_default") in open_alerts
    assert Payment.objects.filter(status="paid").count() > 12

    # the printed staff login, with a code of the printed two-factor key, opens the console
    secret = re.search(r"two-factor key\s+([A-Z2-7]{32})", output).group(1)
    assert STAFF_EMAIL in output and STAFF_PASSWORD in output
    client.post("/accounts/login/", {"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert client.get("/console/").status_code == 302  # not before the second factor
    verify = client.post("/accounts/login/verify/", {"code": pyotp.TOTP(secret).now()})
    assert verify.status_code == 302
    response = client.get("/console/")
    assert response.status_code == 200
    assert "Trattoria Trastevere" in client.get("/console/businesses/").content.decode()
    assert client.get("/console/map/").status_code == 200


def test_demo_load_twice_changes_nothing(capsys):
    call_command("demo_load")
    first = capsys.readouterr().out
    counts = (Customer.objects.count(), OutboundMessage.objects.count(), User.objects.count())
    call_command("demo_load")
    assert (
        Customer.objects.count(),
        OutboundMessage.objects.count(),
        User.objects.count(),
    ) == counts
    # the same staff two-factor key both times (the code of the moment may differ)
    key = re.compile(r"two-factor key\s+(\S+)")
    assert key.search(first).group(1) == key.search(capsys.readouterr().out).group(1)


def test_the_demo_emails_no_password_and_no_dead_invitations(
    capsys, mailoutbox, django_capture_on_commit_callbacks
):
    """The demo makes its team's accounts itself: it sends no invitation emails (their links
    would be used already), and no email it sends holds a password. The logins are printed on
    the console once, after the emails."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load")
    output = capsys.readouterr().out

    assert not [m for m in mailoutbox if "invited" in m.subject]
    passwords = [STAFF_PASSWORD, *(password for *_, password in TEAM), SHOP_OWNER[2]]
    for message in mailoutbox:
        assert not any(password in message.body for password in passwords), message.subject
    for password in passwords:
        assert output.count(password) == 1


def test_demo_cafe_greets_each_guest_in_their_language():
    """Issue 9: German guests read "Hallo! Welcome to Demo Café"; no language mixes."""
    import json

    from django.test import Client

    call_command("demo_load")
    for language, greeting in [
        ("de", "Willkommen bei Demo Café! Danke für Ihren Besuch."),
        ("it", "Ti diamo il benvenuto in Demo Café! Grazie della visita."),
        ("en", "Welcome to Demo Café! Thank you for visiting."),
    ]:
        guest = Client()
        assert guest.get(f"/{DEMO_SLUG}/?lang={language}").status_code == 200
        response = guest.post(
            f"/{DEMO_SLUG}/chat", json.dumps({"action": "start"}), content_type="application/json"
        )
        assert response.json()["replies"][0]["text"] == greeting, language


def test_the_demo_cafe_inbox_has_real_threads_on_sms_and_the_web(capsys, client):
    """Issue 10 on `make run`: the menu flow answers SMS with numbered options and hands guests
    to a person; the inbox holds threads in every state, an agent's reply went out by SMS, a
    note stays internal, canned responses are ready, and the Flows page lists both flows."""
    from kazan.conversations.models import Conversation, ConversationMessage, ConversationSession
    from kazan.inbox.models import CannedResponse

    call_command("demo_load")
    business = Business.objects.get(slug=DEMO_SLUG)
    threads = Conversation.objects.filter(business=business)
    assert set(threads.values_list("channel", "status")) == {
        ("sms", "open"),
        ("sms", "pending"),
        ("sms", "resolved"),
        ("sms", "bot"),
        ("web", "bot"),
    }
    handed_off = ConversationSession.objects.filter(
        business=business, end_reason="handoff", flow_version__flow__key="menu"
    )
    assert handed_off.count() == 3  # by the menu's "Talk to a person" step
    assert ConversationSession.objects.filter(
        business=business, end_reason="completed", flow_version__flow__key="menu"
    ).exists()  # and the next SMS after a finished menu started it again
    menus = OutboundMessage.objects.filter(business=business, body__contains="3. Talk to a person")
    assert menus.count() == 5  # four guests, one of them twice
    replies = ConversationMessage.objects.filter(business=business, author_kind="agent")
    sent = replies.filter(direction="out")
    assert sent.count() == 2 and all(reply.outbound.channel == "sms" for reply in sent)
    note = replies.get(direction="note")
    assert not OutboundMessage.objects.filter(body__contains=note.text[:20]).exists()
    assert CannedResponse.objects.filter(business=business).count() == 3

    owner_email, _, _, owner_password = TEAM[0]
    client.post("/accounts/login/", {"email": owner_email, "password": owner_password})
    inbox = client.get("/dashboard/inbox/").content.decode()
    assert "Can we book the back room" in inbox
    flows = client.get("/dashboard/flows/").content.decode()
    assert "SMS menu" in flows and "Review and voucher" in flows
