"""The review funnel end to end at the service level: greeting, name, phone, consent, OTP,
review, Google invitation (for every rating), voucher, thanks — and the returning customer."""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from kazan.analytics.models import Event, EventKind
from kazan.conversations.engine import Inbound
from kazan.conversations.models import Conversation, ConversationMessage, ConversationSession
from kazan.conversations.services import conversation_receive
from kazan.customers.models import ChannelIdentity, ConsentRecord, Customer
from kazan.customers.services import customer_erase, customer_export, identity_attach
from kazan.loyalty.models import Review, Voucher
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"
META = {"ip": "203.0.113.5", "user_agent": "pytest"}


class Chat:
    """Drives one conversation like a channel would."""

    def __init__(self, business, key="web-token-0001", language="en"):
        self.business, self.key, self.language = business, key, language
        self.send()

    def send(self, text="", **payload):
        received = conversation_receive(
            business=self.business,
            channel="web",
            handle=self.key,
            inbound=Inbound(text=text, payload=payload or None, meta=META),
            language=self.language,
        )
        self.conversation, self.replies = received.conversation, received.replies
        return self.replies

    @property
    def texts(self):
        return [r["text"] for r in self.replies if r["type"] in ("text", "error")]

    def of_type(self, kind):
        return [r for r in self.replies if r["type"] == kind]

    def code(self):
        body = OutboundMessage.objects.filter(purpose=Purpose.OTP).order_by("-id").first().body
        return re.search(r"\b(\d{6})\b", body).group(1)

    def through_otp(self, *, name="Anna", phone=PHONE, consent=False):
        self.send(name)
        self.send(phone)
        self.send(value=consent)
        self.send(self.code())


@pytest.fixture
def cafe(business, consent_wordings):
    business.google_review_url = "https://g.page/r/cafe-a/review"
    business.instagram_url = "https://instagram.com/cafe-a"
    business.save()
    credits_given(business, 50)
    return business


def test_new_customer_walks_the_whole_funnel(cafe):
    chat = Chat(cafe)
    assert chat.texts == ["Welcome to Café A! Thank you for visiting.", "What is your name?"]
    chat.send("  Anna   Beispiel ")
    assert "Anna Beispiel" in chat.texts[0]
    assert chat.replies[-1]["input"] == "phone"
    chat.send("0151 12345678")
    consent = chat.replies[-1]
    assert consent["input"] == "consent" and consent["checkbox"]  # the current wording's text
    assert "Privacy" in chat.texts[0]
    chat.send(value=True)
    assert chat.texts == ["We sent a 6-digit code to +49••••678.", "Please enter the 6-digit code."]
    assert [c["value"] for c in chat.replies[-1]["commands"]] == ["resend", "change_phone"]
    chat.send("000000" if chat.code() != "000000" else "111111")
    assert "not right" in chat.texts[0]
    chat.send(chat.code())
    assert chat.texts == ["How was your visit today?"]
    assert chat.replies[-1] == {**chat.replies[-1], "input": "rating", "max": 5}
    chat.send(value=2)
    chat.send("The coffee was cold")
    # The Google invitation comes even after 2 stars, and the voucher does not wait for it.
    links = chat.of_type("links")
    assert links[0]["links"][0]["target"] == "google"
    voucher = chat.of_type("voucher")[0]
    assert re.fullmatch(r"[A-Z2-9]{8}", voucher["code"])
    assert voucher["qr"].startswith("data:image/svg+xml")
    assert links[1]["links"] == [
        {"target": "instagram", "label": "Instagram", "url": "https://instagram.com/cafe-a"}
    ]
    assert "Thank you, Anna Beispiel! See you soon." in chat.texts

    customer = Customer.objects.get(business=cafe)
    assert customer.name == "Anna Beispiel" and customer.phone_e164 == PHONE
    assert customer.phone_verified_at is not None
    review = Review.objects.get(business=cafe)
    assert (review.rating, review.comment, review.customer) == (2, "The coffee was cold", customer)
    assert Voucher.objects.get(business=cafe, customer=customer).code == voucher["code"]
    sms = OutboundMessage.objects.get(business=cafe, purpose=Purpose.TRANSACTIONAL)
    assert voucher["code"] in sms.body and sms.customer == customer
    consent_row = ConsentRecord.objects.get(business=cafe, customer=customer)
    assert consent_row.granted and consent_row.wording is not None
    conversation = Conversation.objects.select_related("session", "identity").get(business=cafe)
    assert conversation.customer == customer and conversation.session.end_reason == "completed"
    assert conversation.identity.customer == customer  # the web handle is theirs now
    assert "phone" not in conversation.session.state
    kinds = set(Event.objects.filter(business=cafe).values_list("kind", flat=True))
    assert {
        EventKind.DATA_ENTERED,
        EventKind.OTP_SENT,
        EventKind.OTP_VERIFIED,
        EventKind.REVIEW_SUBMITTED,
        EventKind.VOUCHER_ISSUED,
    } <= kinds


def test_the_log_masks_the_code_and_the_number(cafe):
    chat = Chat(cafe)
    chat.through_otp()
    code = OutboundMessage.objects.get(purpose=Purpose.OTP).body
    code = re.search(r"\d{6}", code).group(0)
    logged = " ".join(
        ConversationMessage.objects.filter(business=cafe).values_list("text", flat=True)
    )
    payloads = str(list(ConversationMessage.objects.values_list("payload", flat=True)))
    assert code not in logged and code not in payloads
    assert "12345678" not in logged and "12345678" not in payloads
    assert "••••••" in logged and "+49••••678" in logged


def test_the_number_is_encrypted_in_the_state_until_registration(cafe):
    chat = Chat(cafe)
    chat.send("Anna")
    chat.send(PHONE)
    state = Conversation.objects.values_list("session__state", flat=True).get()
    assert state["phone"] and "12345678" not in str(state)


def test_consent_is_recorded_only_when_ticked(cafe):
    chat = Chat(cafe)
    chat.through_otp(consent=False)
    assert not ConsentRecord.objects.filter(business=cafe).exists()
    assert Customer.objects.filter(business=cafe).count() == 1


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0)
def test_returning_customer_is_welcomed_back_and_gets_no_second_gift(cafe):
    first = Chat(cafe, key="web-token-first")
    first.through_otp(name="Anna")
    first.send(value=5)
    first.send(command="skip")
    code = first.of_type("voucher")[0]["code"]

    again = Chat(cafe, key="web-token-again")
    again.through_otp(name="Anna")
    assert "Welcome back, Anna! Good to see you again." in again.texts
    again.send(value=4)
    again.send(command="skip")
    # The gift is still valid: shown again, not issued twice.
    assert again.of_type("voucher")[0]["code"] == code
    assert "already have a welcome gift" in " ".join(again.texts)
    assert Voucher.objects.filter(business=cafe).count() == 1
    assert Review.objects.filter(business=cafe).count() == 2
    assert OutboundMessage.objects.filter(purpose=Purpose.TRANSACTIONAL).count() == 1


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0)
def test_returning_customer_whose_gift_was_used_is_told_so(cafe):
    first = Chat(cafe, key="web-token-first")
    first.through_otp()
    first.send(value=5)
    first.send(command="skip")
    Voucher.objects.filter(business=cafe).update(redeemed_at=timezone.now())

    again = Chat(cafe, key="web-token-again")
    again.through_otp()
    again.send(value=5)
    again.send(command="skip")
    assert not again.of_type("voucher")
    assert "earlier visit" in " ".join(again.texts)


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0)
def test_expired_gift_is_not_shown_again(cafe):
    first = Chat(cafe, key="web-token-first")
    first.through_otp()
    first.send(value=5)
    first.send(command="skip")
    Voucher.objects.filter(business=cafe).update(expires_at=timezone.now() - timedelta(days=1))
    again = Chat(cafe, key="web-token-again")
    again.through_otp()
    again.send(value=3)
    again.send(command="skip")
    assert not again.of_type("voucher")


def test_without_google_link_there_is_no_invitation_and_still_a_voucher(cafe):
    cafe.google_review_url = ""
    cafe.save()
    chat = Chat(cafe)
    chat.through_otp()
    chat.send(value=1)
    chat.send(command="skip")
    assert all(link["target"] != "google" for r in chat.of_type("links") for link in r["links"])
    assert chat.of_type("voucher")


def test_greeting_and_thanks_come_from_the_business_when_set(cafe):
    cafe.greetings = {"en": "Grüezi at the bakery!"}
    cafe.thank_you_texts = {"en": "Merci and see you!"}
    cafe.save()
    chat = Chat(cafe)
    assert chat.texts[0] == "Grüezi at the bakery!"
    chat.through_otp()
    chat.send(value=5)
    chat.send(command="skip")
    assert "Merci and see you!" in chat.texts


def test_a_guest_reads_the_greeting_in_their_language_or_the_translated_default(cafe):
    cafe.greetings = {"en": "Hello! Welcome to Café A", "tr": "Merhaba, hoş geldiniz!"}
    cafe.thank_you_texts = {"en": "Thanks, see you!"}
    cafe.save()
    assert Chat(cafe, key="web-token-tr", language="tr").texts[0] == "Merhaba, hoş geldiniz!"
    german = Chat(cafe, key="web-token-de", language="de")
    assert german.texts[0] == "Willkommen bei Café A! Danke für Ihren Besuch."
    german.through_otp()
    german.send(value=5)
    german.send(command="skip")
    assert "Thanks, see you!" not in german.texts
    assert any(text.startswith("Danke, ") for text in german.texts)


def test_wrong_country_is_asked_again_with_a_clear_message(cafe):
    chat = Chat(cafe)
    chat.send("Anna")
    chat.send("+905321234567")
    assert "only send codes to phone numbers from these countries: DE (+49)" in chat.texts[0]
    assert chat.replies[-1]["input"] == "phone"


def test_no_credits_says_so_and_the_visitor_can_try_again_after_a_top_up(
    business, consent_wordings
):
    chat = Chat(business)
    chat.send("Anna")
    chat.send(PHONE)
    chat.send(value=False)
    assert "cannot send a text message right now" in chat.texts[0]
    assert not Customer.objects.filter(business=business).exists()
    chat.conversation.session.refresh_from_db()
    assert chat.conversation.session.running  # not a dead end

    credits_given(business, 10)
    with override_settings(OTP_RESEND_COOLDOWN_SECONDS=0):
        chat.send(command="resend")
    chat.send(chat.code())
    assert Customer.objects.filter(business=business, name="Anna").exists()


def test_a_rating_in_other_digits_is_asked_again_not_an_error(cafe):
    chat = Chat(cafe)
    chat.through_otp()
    for odd in ("²", "٣", "10", "0"):
        chat.send(value=odd)
        assert chat.of_type("error"), odd
    assert not Review.objects.exists()


def test_the_business_greeting_is_shown_as_written(cafe):
    cafe.greetings = {"en": "Hello! 50% off today for %(name)s"}
    cafe.save()
    chat = Chat(cafe, key="web-token-0002")
    assert chat.texts[0] == "Hello! 50% off today for %(name)s"


def test_without_a_wording_in_the_visitors_language_the_english_one_is_recorded(cafe):
    from kazan.customers.models import ConsentWording

    ConsentWording.objects.filter(language="tr").delete()
    chat = Chat(cafe, key="web-token-0003", language="tr")
    chat.send("Ayşe")
    chat.send(PHONE)
    assert chat.replies[-1]["checkbox"]  # the English wording is shown
    chat.send(value=True)
    chat.send(chat.code())
    record = ConsentRecord.objects.get(business=cafe)
    assert record.granted and record.wording.language == "en"


def test_resend_and_change_number(cafe):
    chat = Chat(cafe)
    chat.send("Anna")
    chat.send(PHONE)
    chat.send(value=False)
    chat.send(command="resend")
    assert "seconds before asking for a new code" in chat.texts[0]
    assert chat.replies[-1]["input"] == "otp"
    chat.send(command="change_phone")
    assert chat.replies[-1]["input"] == "phone"


def test_the_conversation_appears_in_the_customers_export_and_goes_with_erasure(cafe, owner):
    """Every session of every thread, on each of the person's identities, internal notes too."""
    chat = Chat(cafe)
    chat.through_otp()
    customer = Customer.objects.get(business=cafe)
    chat.send("START")  # a second session in the same thread
    # An SMS thread the person started before anyone knew them, linked to them later.
    sms = conversation_receive(
        business=cafe, channel="sms", handle=PHONE, inbound=Inbound(text="hello")
    ).conversation
    identity_attach(business=cafe, customer=customer, channel="sms", external_id=PHONE)
    ConversationMessage.objects.create(
        business=cafe, conversation=sms, direction="note", author_kind="agent", text="VIP guest"
    )
    export = customer_export(business=cafe, customer=customer, actor=owner)
    assert sorted(i["channel"] for i in export["identities"]) == ["sms", "web"]
    web, sms_export = sorted(export["conversations"], key=lambda c: c["channel"], reverse=True)
    assert any(m["text"] == "Anna" for m in web["messages"])
    assert [s["end_reason"] for s in web["sessions"]] == ["restarted", ""]
    assert {m["text"] for m in sms_export["messages"]} >= {"hello", "VIP guest"}

    customer_erase(business=cafe, customer=customer, actor=owner)
    assert not Conversation.objects.filter(business=cafe).exists()
    assert not ConversationMessage.objects.filter(business=cafe).exists()
    assert not ConversationSession.objects.filter(business=cafe).exists()
    assert not ChannelIdentity.objects.filter(business=cafe).exists()


def test_conversation_panel_on_the_customer_page(cafe, owner_client):
    chat = Chat(cafe)
    chat.through_otp(name="Paula Panel")
    customer = Customer.objects.get(business=cafe)
    response = owner_client.get(f"/dashboard/customers/{customer.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="panel-conversation"' in body
    assert "Paula Panel" in body and "What is your name?" in body
