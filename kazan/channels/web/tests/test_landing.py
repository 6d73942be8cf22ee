"""The landing page and its chat endpoint: visits and scans counted once per visit, counted
redirects, suspended and unknown businesses, input validation (4xx, never 500), CSRF, language,
and a whole funnel over HTTP."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from kazan.analytics.models import Event, EventKind
from kazan.conversations.models import Conversation
from kazan.loyalty.models import Voucher
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"


def _kinds(business, kind):
    return Event.objects.filter(business=business, kind=kind).count()


def _post(client, business, body, **extra):
    return client.post(
        f"/{business.slug}/chat",
        json.dumps(body) if not isinstance(body, str | bytes) else body,
        content_type="application/json",
        **extra,
    )


def test_page_renders_in_the_business_language_with_brand_and_no_inline_styles(client, business):
    business.language = "de"
    business.brand_color = "#aa3300"
    business.save()
    response = client.get(f"/{business.slug}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="de">' in body
    assert "--brand: #aa3300" in body
    assert "Café A" in body
    assert " style=" not in body  # the strict CSP forbids style attributes
    assert re.search(r'<script src="/static/chat/render.js" nonce="[^"]+"', body)
    assert re.search(r'<script src="/static/landing/chat.js" nonce="[^"]+"', body)
    assert 'id="chat-ui"' in body
    assert "Content-Security-Policy" in response.headers


def test_browser_language_when_we_speak_it_else_the_business_language(client, business):
    business.language = "de"
    business.save()
    page = client.get(f"/{business.slug}/", HTTP_ACCEPT_LANGUAGE="tr-TR,tr;q=0.9")
    assert '<html lang="tr">' in page.content.decode()
    page = client.get(f"/{business.slug}/", HTTP_ACCEPT_LANGUAGE="ja,zh;q=0.5")
    assert '<html lang="de">' in page.content.decode()
    client.post(
        f"/{business.slug}/chat",
        '{"action": "start"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    # The chat speaks it too (its texts render in the conversation's language).
    assert Conversation.objects.get().language == "es"


def test_language_switcher_and_lang_parameter(client, business):
    response = client.get(f"/{business.slug}/?lang=tr")
    assert '<html lang="tr">' in response.content.decode()
    for code in ("en", "de", "tr", "it", "es"):
        assert f'href="?lang={code}"' in response.content.decode()
    # The choice sticks for the next visit to this business.
    assert '<html lang="tr">' in client.get(f"/{business.slug}/").content.decode()
    # Unknown languages are ignored.
    other = Client()
    assert '<html lang="en">' in other.get(f"/{business.slug}/?lang=xx").content.decode()


def test_qr_scan_is_counted_once_per_visit_and_page_views_otherwise(client, business):
    client.get(f"/{business.slug}/?src=qr")
    client.get(f"/{business.slug}/?src=qr")  # a reload in the same visit
    client.get(f"/{business.slug}/")
    assert (_kinds(business, EventKind.QR_SCAN), _kinds(business, EventKind.PAGE_VIEW)) == (1, 0)
    Client().get(f"/{business.slug}/")
    assert _kinds(business, EventKind.PAGE_VIEW) == 1


def test_social_buttons_only_for_links_set_and_counted_through_a_redirect(client, business):
    business.instagram_url = "https://instagram.com/cafe-a"
    business.google_review_url = "https://g.page/r/cafe-a/review"
    business.save()
    body = client.get(f"/{business.slug}/").content.decode()
    assert f"/{business.slug}/go/instagram" in body
    assert "facebook" not in body and "tiktok" not in body.lower()
    response = client.get(f"/{business.slug}/go/instagram")
    assert (response.status_code, response["Location"]) == (302, "https://instagram.com/cafe-a")
    event = Event.objects.get(business=business, kind=EventKind.SOCIAL_CLICK)
    assert event.data == {"network": "instagram"}
    response = client.get(f"/{business.slug}/go/google")
    assert response["Location"] == "https://g.page/r/cafe-a/review"
    assert _kinds(business, EventKind.GOOGLE_REVIEW_CLICK) == 1
    # A link the business did not set, or an unknown network: 404, nothing counted.
    assert client.get(f"/{business.slug}/go/facebook").status_code == 404
    assert client.get(f"/{business.slug}/go/myspace").status_code == 404
    assert Event.objects.filter(kind=EventKind.SOCIAL_CLICK).count() == 1


def test_suspended_business_shows_a_translated_unavailable_page(client, business):
    business.status = business.Status.SUSPENDED
    business.language = "de"
    business.save()
    response = client.get(f"/{business.slug}/")
    assert response.status_code == 503
    assert "Café A" in response.content.decode()
    assert _post(client, business, {"action": "start"}).status_code == 503
    assert client.get(f"/{business.slug}/go/google").status_code in (404, 503)
    assert not Conversation.objects.exists()


def test_unknown_slug_is_404(client, db):
    assert client.get("/no-such-shop/").status_code == 404
    response = _post(client, type("B", (), {"slug": "no-such-shop"}), {"action": "start"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ('{"action": "explode"}', "application/json", 400),
        ('{"text": 5}', "application/json", 400),
        ('{"text": ""}', "application/json", 400),
        ('{"payload": {"evil": 1}}', "application/json", 400),
        ('{"payload": {"value": [1]}}', "application/json", 400),
        ('{"payload": "x"}', "application/json", 400),
        ('{"text": "' + "x" * 1001 + '"}', "application/json", 400),
        ('{"text": "a\\u0000b"}', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        ("text=hi", "application/x-www-form-urlencoded", 415),
        ('{"text": "' + "x" * 9000 + '"}', "application/json", 413),
    ],
)
def test_bad_input_is_a_clear_4xx_never_a_500(client, business, body, content_type, status):
    response = client.post(f"/{business.slug}/chat", body, content_type=content_type)
    assert response.status_code == status
    data = response.json()
    assert data["message"] and data["code"]


def test_chat_requires_post_and_csrf(business):
    strict = Client(enforce_csrf_checks=True)
    strict.get(f"/{business.slug}/")
    assert _post(strict, business, {"action": "start"}).status_code == 403
    token = strict.cookies["csrftoken"].value
    response = _post(strict, business, {"action": "start"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert strict.get(f"/{business.slug}/chat").status_code == 405


def test_start_then_reload_resumes_the_same_conversation(client, business):
    replies = _post(client, business, {"action": "start"}).json()["replies"]
    assert replies[0]["text"] == "Welcome to Café A! Thank you for visiting."
    _post(client, business, {"text": "Anna"})
    again = _post(client, business, {"action": "start"}).json()["replies"]
    assert Conversation.objects.count() == 1
    assert [r["text"] for r in again if r["type"] == "user"] == ["Anna"]
    assert again[-1]["type"] == "input" and again[-1]["input"] == "phone"
    # Another visitor (no cookie) gets a conversation of their own.
    _post(Client(), business, {"action": "start"})
    assert Conversation.objects.count() == 2


def test_a_forged_chat_cookie_starts_a_new_conversation(client, business):
    _post(client, business, {"action": "start"})
    client.cookies["kz_chat"] = "forged"
    client.cookies["kz_chat"]["path"] = f"/{business.slug}/"
    _post(client, business, {"action": "start"})
    assert Conversation.objects.count() == 2


def test_chat_cookie_of_one_business_is_useless_at_another(client, business, other_business):
    _post(client, business, {"action": "start"})
    value = client.cookies["kz_chat"].value
    other = Client()
    other.cookies["kz_chat"] = value
    other.cookies["kz_chat"]["path"] = f"/{other_business.slug}/"
    _post(other, other_business, {"action": "start"})
    assert Conversation.objects.filter(business=other_business).count() == 1
    assert Conversation.objects.filter(business=business).count() == 1


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0)
def test_whole_funnel_over_http(client, business, consent_wordings):
    business.google_review_url = "https://g.page/r/cafe-a/review"
    business.save()
    credits_given(business, 20)
    client.get(f"/{business.slug}/?src=qr")
    _post(client, business, {"action": "start"})
    _post(client, business, {"text": "Anna"})
    _post(client, business, {"text": PHONE})
    replies = _post(client, business, {"payload": {"value": False}}).json()["replies"]
    assert replies[-1]["input"] == "otp"
    body = OutboundMessage.objects.get(purpose=Purpose.OTP).body
    code = re.search(r"\d{6}", body).group(0)
    _post(client, business, {"text": code})
    _post(client, business, {"payload": {"value": 5}})
    data = _post(client, business, {"payload": {"command": "skip"}}).json()
    google = next(r for r in data["replies"] if r["type"] == "links")["links"][0]
    assert google["url"] == f"/{business.slug}/go/google"  # through the counting redirect
    voucher = next(r for r in data["replies"] if r["type"] == "voucher")
    assert voucher["code"] == Voucher.objects.get(business=business).code
    assert data["completed"] is True
    assert client.get(google["url"])["Location"] == business.google_review_url
    click = Event.objects.get(kind=EventKind.GOOGLE_REVIEW_CLICK)
    assert click.customer == Voucher.objects.get().customer


def _unstorable(client, business, answer: str):
    """Posts `answer` (raw JSON) and checks it was refused with a 400 in the error shape."""
    response = client.post(f"/{business.slug}/chat", answer, content_type="application/json")
    assert response.status_code == 400, answer
    assert response.json()["code"] == "invalid_text" and response.json()["message"]


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0)
def test_lone_surrogates_and_nul_are_refused_at_every_step(client, business, consent_wordings):
    """At the name, rating and comment steps a lone surrogate or NUL is a 400 and the step
    stays where it was (it used to be a 500 when the answer was stored)."""
    from kazan.customers.models import Customer
    from kazan.loyalty.models import Review

    credits_given(business, 20)
    _post(client, business, {"action": "start"})
    for bad in ('{"text": "\\ud800"}', '{"text": "An\\u0000na"}', '{"text": "\\udfffx"}'):
        _unstorable(client, business, bad)
    _post(client, business, {"text": "Anna"})
    _post(client, business, {"text": PHONE})
    _post(client, business, {"payload": {"value": False}})
    code = re.search(r"\d{6}", OutboundMessage.objects.get(purpose=Purpose.OTP).body).group(0)
    _post(client, business, {"text": code})
    assert Customer.objects.get(business=business).name == "Anna"
    for bad in ('{"payload": {"value": "\\ud800"}}', '{"text": "\\ud800"}'):
        _unstorable(client, business, bad)
    _post(client, business, {"payload": {"value": 4}})
    _unstorable(client, business, '{"text": "Great \\ud83d coffee"}')
    _unstorable(client, business, '{"payload": {"\\u0000": 1}}')
    data = _post(client, business, {"text": "Great \U0001f600 coffee"}).json()
    assert data["completed"] is True
    assert Review.objects.get(business=business).comment == "Great \U0001f600 coffee"


def test_chat_is_rate_limited_per_ip(client, business):
    from kazan.channels.web import views

    limit = views.CHAT_LIMIT_PER_IP[0]
    for _i in range(limit):
        _post(client, business, {"action": "start"})
    response = _post(client, business, {"action": "start"})
    assert response.status_code == 429 and response.json()["message"]


def test_javascript_is_small_and_has_no_hard_coded_english():
    paths = [Path(finders.find(name)) for name in ("landing/chat.js", "chat/render.js")]
    source = "".join(path.read_text() for path in paths)
    assert sum(path.stat().st_size for path in paths) < 50 * 1024
    css = Path(finders.find("landing/chat.css"))
    assert css.stat().st_size < 20 * 1024
    # Strings shown to people come from the server; the script's own quotes are code words.
    shown = re.findall(r'textContent = "([^"]+)"|bubble\("([^"]+)"', source)
    assert not shown
    assert "http://" not in source and "https://" not in source


@pytest.mark.parametrize("landline", ["030 123456", "0800 1234567890", "0900 1 234567"])
def test_a_landline_gets_no_code_and_the_chat_asks_for_a_mobile(client, business, landline):
    credits_given(business, 20)
    _post(client, business, {"action": "start"})
    _post(client, business, {"text": "Anna"})
    replies = _post(client, business, {"text": landline}).json()["replies"]
    error = next(r for r in replies if r["type"] == "error")
    assert "only send the code to a mobile number" in error["text"]
    assert replies[-1]["type"] == "input" and replies[-1]["input"] == "phone"
    replies = _post(client, business, {"text": PHONE}).json()["replies"]
    assert replies[-1]["input"] == "consent"
    assert not OutboundMessage.objects.exists()


def test_the_mobile_only_message_speaks_the_visitors_language(client, business):
    _post(client, business, {"action": "start"}, HTTP_ACCEPT_LANGUAGE="de")
    _post(client, business, {"text": "Anna"})
    replies = _post(client, business, {"text": "030 123456"}).json()["replies"]
    error = next(r for r in replies if r["type"] == "error")
    assert "nur an eine Handynummer" in error["text"]


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0)
def test_the_code_field_is_named_by_a_translated_label_not_its_placeholder(
    client, business, consent_wordings
):
    credits_given(business, 20)
    _post(client, business, {"action": "start"}, HTTP_ACCEPT_LANGUAGE="de")
    _post(client, business, {"text": "Anna"})
    _post(client, business, {"text": PHONE})
    ask = _post(client, business, {"payload": {"value": False}}).json()["replies"][-1]
    assert ask["input"] == "otp"
    assert ask["label"] == "Code aus der SMS"
    assert ask["placeholder"] == "123456"  # an example of the format, not the field's name
    source = Path(finders.find("chat/render.js")).read_text()
    assert 'setAttribute("aria-label", reply.label ||' in source


@pytest.mark.parametrize(
    ("language", "send"),
    [("de", "Senden"), ("tr", "Gönder"), ("it", "Invia"), ("es", "Enviar"), ("en", "Send")],
)
def test_the_send_button_is_the_verb_in_every_language(client, business, language, send):
    """Not "Versand" (shipping): the button's word is translated in its own context."""
    body = client.get(f"/{business.slug}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    ui = json.loads(
        re.search(r'id="chat-ui" type="application/json">(.*?)</script>', body).group(1)
    )
    assert ui["send"] == send
