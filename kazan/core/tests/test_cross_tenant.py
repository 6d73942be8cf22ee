"""Tenant isolation, walked route by route.

Every URL pattern and every API route is requested as a member of business A with the objects of
business B: by id in the path, by X-Client-ID header, by subdomain, and with A's API key. Nothing
of B may be read (its secrets never appear in a response) and nothing of B may be written (a
snapshot of all B's rows is unchanged). A new route whose path parameter this module does not know
fails the walk, so nobody can add a route without saying which object it names.
"""

import json
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kazan.activity.services import activity_record
from kazan.agent.services import agent_settings_update
from kazan.analytics.models import ExportJob
from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import Plan, SmsPackage
from kazan.billing.services import package_upgrade_start
from kazan.billing.services.invoices import invoice_issue
from kazan.campaigns.services import campaign_save
from kazan.channels.providers.telegram.testing import telegram_installed
from kazan.channels.providers.whatsapp.testing import whatsapp_connected
from kazan.channels.services import installation_connect
from kazan.channels.tests.factories import connect_fields
from kazan.channels.widget.services import widget_settings_update
from kazan.commerce.models import Category, Offer, Product, ProductMedia, ProductVariant
from kazan.console.models import Alert
from kazan.conversations.editor.services import bot_settings_update
from kazan.conversations.flowstore import flow_default_ensure
from kazan.core.tests.routes import url_routes
from kazan.customers.services import identity_attach, tag_create
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.faq.queries import faq_match
from kazan.faq.services import faq_create, faq_question_record, synonym_create
from kazan.inbox.services import inbox_note
from kazan.inbox.tests.factories import canned, thread
from kazan.links.models import SecureLink
from kazan.links.services import secure_link_issue
from kazan.links.testing import link_token
from kazan.loyalty.models import Review
from kazan.loyalty.services import voucher_redeem, voucher_welcome_issue
from kazan.messaging.services import sms_credits_grant, sms_send
from kazan.tenancy.models import Business, Membership, Role
from kazan.tenancy.services import api_key_create, invitation_create
from kazan.tenancy.tests.factories import BusinessFactory, MembershipFactory, UserFactory
from kazan.wallet.models import TokenPurchase
from kazan.wallet.services import tokens_adjust
from kazan.webforms.testing import submission_sent

pytestmark = pytest.mark.django_db

B_SECRETS = [
    "Zweitladen",  # B's business, customer and member names all carry it
    "15199887766",  # B's customer phone digits
    "invitee-of-b",  # B's pending invitation
    "SECRET-SMS-OF-B",  # B's message body
]
# Where a path names an object, this says whose (always B's here).
PARAM_OBJECTS = {
    "customer_id": lambda world: world["b_customer"].pk,
    "invitation_id": lambda world: world["b_invitation"].pk,
    "membership_id": lambda world: world["b_membership"].pk,
    "api_key_id": lambda world: world["b_api_key"].pk,
    "token": lambda world: world["b_invitation_token"],
    # A "forgot password" link naming one of B's members (its token is not a reset token).
    "uidb64": lambda world: urlsafe_base64_encode(force_bytes(world["b_membership"].user_id)),
    "payment_id": lambda world: world["b_payment"].pk,
    # The billing pages and /api/v1/billing: B's invoice (its PDF); the console's plan catalog.
    "invoice_id": lambda world: world["b_invoice"].pk,
    "plan_id": lambda world: Plan.objects.get(key="basic").pk,
    "campaign_id": lambda world: world["b_campaign"].pk,
    # /l/<code> is public (a real code of B redirects and counts a click, as it should).
    "code": lambda world: "no-such-code",
    "business_slug": lambda world: world["b"].slug,
    "target": lambda world: "google",
    # The platform console (staff only): a member of A gets a 404 for B's business, alert and
    # export job like for any other console page.
    "business_id": lambda world: world["b"].pk,
    "alert_id": lambda world: world["b_alert"].pk,
    "export_id": lambda world: world["b_export"].pk,
    # The dashboard's tag pages and the voucher counter's undo.
    "tag_id": lambda world: world["b_tag"].pk,
    "voucher_id": lambda world: world["b_voucher"].pk,
    # The flow editor: B's seeded review funnel.
    "flow_id": lambda world: world["b_flow"].pk,
    # The Channels page: B's own Twilio installation.
    "installation_id": lambda world: world["b_installation"].pk,
    # B's WhatsApp callback URL: without Meta's signature (or verify token) it is a 403. B's
    # Telegram bot has the same key, so /hooks/telegram/<hook_key>/ names B's bot: without its
    # secret token it is a 403 too.
    "hook_key": lambda world: world["b_whatsapp"].config["hook_key"],
    # The team inbox: B's thread and canned response.
    "conversation_id": lambda world: world["b_conversation"].pk,
    "response_id": lambda world: world["b_canned"].pk,
    # The FAQ pages and /api/v1/faqs: B's FAQ, synonyms and an unanswered question.
    "faq_id": lambda world: world["b_faq"].pk,
    "synonym_id": lambda world: world["b_synonym"].pk,
    "question_id": lambda world: world["b_question"].pk,
    # The contact form: B's submission.
    "submission_id": lambda world: world["b_submission"].pk,
    # The orders pages and /api/v1/orders: B's order.
    "order_id": lambda world: world["b_order"].pk,
    # A secure link: a live token of A's customer under B's address must open nothing.
    "link_token": lambda world: world["a_link_token"],
    # The shop pages and /api/v1/catalog: B's category, product, variant, image and offer.
    "category_id": lambda world: world["b_category"].pk,
    "product_id": lambda world: world["b_product"].pk,
    "variant_id": lambda world: world["b_variant"].pk,
    "media_id": lambda world: world["b_media"].pk,
    "offer_id": lambda world: world["b_offer"].pk,
    # The wallet's reconciliation re-check names one of B's token purchases.
    "purchase_id": lambda world: world["b_purchase"].pk,
    "link_id": lambda world: world["b_link"].pk,
    # The queue pages and /api/v1/queue: B's token order (its profile names Zweitladen) and
    # B's package.
    "token_order_id": lambda world: world["b_token_order"].pk,
    "package_id": lambda world: world["b_package"].pk,
    # The Telegram CRM panel and /api/v1/crm: that order's profile (B's customer is a
    # Telegram user).
    "profile_id": lambda world: world["b_token_order"].profile_id,
}
# Path prefixes that are not tenant data: Django's admin (staff only, own login), static files.
SKIPPED_PREFIXES = ("admin/", "static/", "media/")
# Customer-facing pages name their business on purpose: anyone may open B's landing page. They
# are walked by `test_public_pages_of_b_show_nothing_private` instead.
PUBLIC_PREFIXES = ("<slug:business_slug>/",)
# The website widget's API names its business by the publishable client id on purpose (a
# visitor's browser sends it): walked by `test_widget_routes_of_b_show_nothing_private`.
PUBLIC_API_PREFIXES = ("api/v1/widget/",)
# What must never appear on B's public pages: its customers', members' and messages' data.
B_PRIVATE = [secret for secret in B_SECRETS if secret != "Zweitladen"] + ["Bertha", "Boris"]
DENIED = {400, 401, 403, 404, 405, 409, 410, 422, 429}
# API routes behind the publishable id (ClientKeyAuth): named by B's X-Client-ID they show B's
# public face (its name, in its form's texts) like its landing page, and nothing private.
PUBLIC_API_PATHS = {"/api/v1/forms/settings"}
FORM_DATA = {
    "name": "Hijacked",
    "role": Role.AGENT,
    "email": "attacker@example.com",
    "phone": "+4915100000001",
    "to": "+4915100000001",
    "body": "hijack",
    "language": "de",
    "confirm": "ERASE",
    "confirmation": "ERASE",
    "purpose": "sms_marketing",
    "business": "",
    "tags": "hijacked",
    "misses_before_handoff": "1",
}


def _routes():
    return [route for route in url_routes() if not route.startswith(SKIPPED_PREFIXES)]


def _path(route: str, world) -> str:
    def substitute(match):
        name = match.group("name")
        if name not in PARAM_OBJECTS:
            raise AssertionError(f"route {route!r}: add {name!r} to PARAM_OBJECTS")
        return str(PARAM_OBJECTS[name](world))

    path = re.sub(r"<(?:(?P<conv>[^:>]+):)?(?P<name>[^>]+)>", substitute, route)
    return "/" + path.lstrip("^").rstrip("$")


def _snapshot(business: Business) -> dict:
    """Every row that belongs to B, plus B itself and its members' accounts."""
    state = {}
    for model in apps.get_models():
        field_names = {f.name for f in model._meta.concrete_fields}
        if "business" in field_names:
            rows = model.objects.filter(business=business).order_by("pk").values()
            state[model._meta.label] = [dict(row) for row in rows]
    state["business"] = list(Business.objects.filter(pk=business.pk).values())
    user_ids = Membership.objects.filter(business=business).values("user_id")
    user_model = apps.get_model("accounts", "User")
    state["users"] = list(user_model.objects.filter(pk__in=user_ids).order_by("pk").values())
    return state


@pytest.fixture(autouse=True)
def short_streams(settings):
    """The inbox's event stream says what it has and ends, rather than waiting for news."""
    settings.INBOX_STREAM_SECONDS = 0


@pytest.fixture
def world():
    a = BusinessFactory(slug="alpha-cafe", name="Alpha Café")
    b = BusinessFactory(slug="beta-shop", name="Laden Zweitladen")
    a_owner = MembershipFactory(business=a, role=Role.OWNER).user
    a_link_token = link_token(
        secure_link_issue(
            business=a, customer=CustomerFactory(business=a, name="Alma"), purpose="my_data"
        )
    )
    b_member = MembershipFactory(
        business=b, role=Role.OWNER, user=UserFactory(name="Boris Zweitladen")
    )
    b_manager = MembershipFactory(business=b, role=Role.MANAGER)
    b_customer = CustomerFactory(business=b, name="Bertha Zweitladen", phone_e164="+4915199887766")
    consent_given(b_customer)
    secure_link_issue(business=b, customer=b_customer, purpose="my_data")
    Review.objects.create(business=b, customer=b_customer, rating=2, comment="Zweitladen review")
    sms_credits_grant(business=b, amount=10, actor=b_member.user)
    sms_send(
        business=b,
        to=b_customer.phone_e164,
        body="SECRET-SMS-OF-B",
        purpose="transactional",
        customer=b_customer,
    )
    issued = invitation_create(
        business=b, email="invitee-of-b@example.com", role=Role.AGENT, actor=b_member.user
    )
    b_key = api_key_create(business=b, name="B integration Zweitladen", actor=b_member.user)
    a_key = api_key_create(business=a, name="A integration", actor=a_owner)
    activity_record(business=b, actor=b_member.user, action="customer.exported_zweitladen")
    b_voucher, _issued = voucher_welcome_issue(business=b, customer=b_customer)
    voucher_redeem(business=b, code=b_voucher.code, actor=b_member.user)  # undoable for minutes
    b_tag = tag_create(business=b, name="Zweitladen VIP", actor=b_member.user)
    b_payment = package_upgrade_start(
        business=b, package=SmsPackage.objects.get(key="pro"), actor=b_member.user
    ).payment
    b_invoice = invoice_issue(
        business=b,
        lines=[InvoiceLineData(description="Zweitladen plan", amount_minor=4900)],
        currency="EUR",
        amounts_include_tax=False,
        gateway="manual",
    )
    b_campaign = campaign_save(
        business=b,
        actor=b_member.user,
        name="Zweitladen spring",
        body="Zweitladen offer",
        send_at=timezone.now() + timedelta(days=1),
    )
    b_alert = Alert.objects.create(business=b, kind=Alert.Kind.INACTIVE_BUSINESS)
    b_flow = flow_default_ensure(business=b)
    bot_settings_update(
        business=b,
        faq_fallback=False,
        agent_fallback=False,
        misses_before_handoff=9,
        actor=b_member.user,
    )
    b_conversation = thread(b, channel="sms", handle="+4915199887766", said="Zweitladen question")
    inbox_note(
        business=b, conversation=b_conversation, text="SECRET-SMS-OF-B note", actor=b_member.user
    )
    b_canned = canned(b, title="Zweitladen hours", text="Zweitladen opens at 9")
    # B's website widget, switched on (its public routes answer for B).
    widget_settings_update(
        business=b,
        actor=b_member.user,
        enabled=True,
        allowed_origins=["https://zweitladen.example"],
        greetings={"en": "Zweitladen says hello"},
    )
    # B's team's own export: the dashboard's export pages must refuse it to A like the
    # console's (staff only) do.
    b_export = ExportJob.objects.create(
        business=b,
        kind="customers",
        format="csv",
        filters={},
        origin="dashboard",
        requested_by=b_member.user,
    )
    b_installation = installation_connect(
        business=b,
        actor=b_member.user,
        provider="twilio",
        fields=connect_fields(label="Zweitladen SMS", from_number="+15199887700"),
    )
    # B's WhatsApp number: its own callback URL (/hooks/whatsapp/<hook_key>/) is signed.
    b_whatsapp = whatsapp_connected(b, label="Zweitladen WhatsApp")
    telegram_installed(b, hook_key=b_whatsapp.config["hook_key"], label="Zweitladen Telegram")
    # B's FAQ is inactive: its active ones are public (X-Client-ID), this one must stay private.
    b_faq = faq_create(
        business=b,
        actor=b_member.user,
        question="Zweitladen opening hours?",
        answer="Zweitladen opens at 9",
        language="en",
        is_active=False,
    )
    b_synonym = synonym_create(business=b, actor=b_member.user, phrases=["Zweitladen", "shop"])
    b_question = faq_question_record(
        business=b,
        text="Zweitladen question",
        language="en",
        channel="web",
        match=faq_match(business=b, text="Zweitladen question", language="en"),
    )
    b_submission = submission_sent(
        b, name="Bertha Zweitladen", email="bertha@zweitladen.example", message="Zweitladen?"
    )
    # B's shopping assistant: its prompt and its (write-only) API key must never show for A.
    agent_settings_update(
        business=b,
        actor=b_member.user,
        engine="llm",
        system_prompt="Zweitladen assistant prompt",
        api_key="sk-Zweitladen-key",
    )
    b_order = _order_placed(b, b_customer)
    b_token_order = _token_order_placed(b, b_customer)
    # B's customer is also a Telegram user (the CRM panel's users and their profiles).
    identity_attach(business=b, customer=b_customer, channel="telegram", external_id="770077")
    # B's catalog: its names carry "Zweitladen", so a leak shows.
    b_category = Category.objects.create(business=b, name="Zweitladen sweets")
    b_product = Product.objects.create(
        business=b, category=b_category, name="Zweitladen cake", price_minor=990, stock=4
    )
    b_variant = ProductVariant.objects.create(product=b_product, name="Zweitladen large")
    b_media = ProductMedia.objects.create(product=b_product, url="https://zweitladen.example/a.png")
    b_offer = Offer.objects.create(business=b, name="Zweitladen sale", kind="percent", value=5)
    # B's wallet: a balance, an adjustment with a reason, an open purchase.
    tokens_adjust(
        business=b, customer=b_customer, amount=70, reason="Zweitladen bonus", actor=b_member.user
    )
    b_purchase = TokenPurchase.objects.create(
        business=b,
        customer=b_customer,
        tokens=100,
        amount_minor=1000,
        currency="USD",
        gateway="manual",
    )
    return {
        "b_purchase": b_purchase,
        "a": a,
        "b": b,
        "b_order": b_order,
        "b_token_order": b_token_order,
        "b_package": b_token_order.package,
        "b_category": b_category,
        "b_product": b_product,
        "b_variant": b_variant,
        "b_media": b_media,
        "b_offer": b_offer,
        "b_faq": b_faq,
        "b_synonym": b_synonym,
        "b_question": b_question,
        "b_submission": b_submission,
        "b_installation": b_installation,
        "b_whatsapp": b_whatsapp,
        "b_alert": b_alert,
        "b_export": b_export,
        "b_tag": b_tag,
        "b_voucher": b_voucher,
        "a_owner": a_owner,
        "a_link_token": a_link_token,
        "b_link": SecureLink.objects.filter(business=b, purpose="my_data").get(),
        "a_key_secret": a_key.secret,
        "b_customer": b_customer,
        "b_membership": b_manager,
        "b_invitation": issued.invitation,
        "b_invitation_token": issued.token,
        "b_api_key": b_key.api_key,
        "b_payment": b_payment,
        "b_invoice": b_invoice,
        "b_campaign": b_campaign,
        "b_flow": b_flow,
        "b_conversation": b_conversation,
        "b_canned": b_canned,
    }


def _order_placed(business, customer):
    """B's order of a Zweitladen product (commerce), for the order pages and API."""
    from kazan.commerce.models import Product
    from kazan.commerce.services import cart_add, order_create

    product = Product.objects.create(
        business=business, name="Zweitladen box", price_minor=1000, currency="EUR", stock=5
    )
    cart_add(business=business, customer=customer, channel="web", product_id=product.pk)
    return order_create(
        business=business, customer=customer, channel="web", payment_method="on_delivery"
    ).order


def _token_order_placed(business, customer):
    """B's token order in the queue for a profile named Zweitladen (seed 004)."""
    from kazan.commerce.services import token_order_place
    from kazan.commerce.tests.queue_helpers import package, profile_of
    from kazan.wallet.services import tokens_credit

    tokens_credit(
        business=business, customer=customer, amount=500, kind="purchase", reference="walk"
    )
    return token_order_place(
        business=business,
        customer=customer,
        profile=profile_of(business, customer, first_name="Zweitladen", password="SECRET-SMS-OF-B"),
        package=package(business),
        email_confirmation=False,
        channel="web",
    )


def _request(client, method: str, path: str, **extra):
    if method == "GET":
        return client.get(path, **extra)
    if path.startswith("/api/"):
        return client.generic(
            method, path, json.dumps(FORM_DATA), content_type="application/json", **extra
        )
    return client.generic(
        method,
        path,
        _urlencoded(FORM_DATA),
        content_type="application/x-www-form-urlencoded",
        **extra,
    )


def _urlencoded(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


def _body(response) -> str:
    """The response's text; a stream (the inbox's events) ends at once here (short_streams)."""
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _check(response, *, method, path, names_b_object: bool, secrets=B_SECRETS):
    body = _body(response)
    where = f"{method} {path} → {response.status_code}"
    assert response.status_code < 500, where
    for secret in secrets:
        assert secret not in body, f"{where} shows B's data ({secret})"
    if names_b_object:
        assert response.status_code in DENIED, f"{where}: B's object was not refused"


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "PUT", "DELETE"])
def test_member_of_a_cannot_reach_b_through_any_route(client, world, method):
    before = _snapshot(world["b"])
    routes = _routes()
    assert len(routes) > 30  # the walk really walks
    for route in routes:
        if method in {"PATCH", "PUT", "DELETE"} and not route.startswith("api/"):
            continue
        if route.startswith(PUBLIC_PREFIXES):
            continue
        path = _path(route, world)
        client.force_login(world["a_owner"])  # some routes (logout) sign the member out
        names_b_object = "<" in route and "token" not in route
        _check(
            _request(client, method, path), method=method, path=path, names_b_object=names_b_object
        )
    assert _snapshot(world["b"]) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_naming_b_by_header_or_subdomain_reveals_and_changes_nothing(client, world, method):
    before = _snapshot(world["b"])
    hints = [
        {"HTTP_X_CLIENT_ID": world["b"].client_id},
        {"HTTP_HOST": f"{world['b'].slug}.localhost"},
    ]
    for route in _routes():
        if "<" in route or route.startswith(PUBLIC_API_PREFIXES):
            continue
        for hint in hints:
            client.force_login(world["a_owner"])
            path = _path(route, world)
            response = _request(client, method, path, **hint)
            secrets = B_PRIVATE if path in PUBLIC_API_PATHS else B_SECRETS
            _check(
                response,
                method=method,
                path=f"{path} {hint}",
                names_b_object=False,
                secrets=secrets,
            )
    assert _snapshot(world["b"]) == before


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "PUT", "DELETE"])
def test_api_key_of_a_cannot_reach_b(client, world, method):
    before = _snapshot(world["b"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['a_key_secret']}"}
    for route in _routes():
        if not route.startswith("api/") or route.startswith(PUBLIC_API_PREFIXES):
            continue
        path = _path(route, world)
        _check(
            _request(client, method, path, **auth),
            method=method,
            path=path,
            names_b_object="<" in route,
        )
        with_b_header = {**auth, "HTTP_X_CLIENT_ID": world["b"].client_id}
        _check(
            _request(client, method, path, **with_b_header),
            method=method,
            path=f"{path} (X-Client-ID of B)",
            names_b_object="<" in route,
            secrets=B_PRIVATE if path in PUBLIC_API_PATHS else B_SECRETS,
        )
    assert _snapshot(world["b"]) == before


@pytest.mark.parametrize("route", ["check", "redeem"])
def test_b_voucher_code_is_unknown_to_a(client, world, route):
    """Voucher codes travel in the body, so the walk above cannot name one: A's key and A's
    member both find B's real code unknown, and it stays unredeemed."""
    # the world's voucher is redeemed already (for the undo route): a fresh, valid one of B's
    customer = CustomerFactory(business=world["b"], phone_e164="+4915199887700")
    voucher, _issued = voucher_welcome_issue(business=world["b"], customer=customer)
    body = json.dumps({"code": voucher.code})
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['a_key_secret']}"}
    client.force_login(world["a_owner"])
    for extra in (auth, {}):
        response = client.post(
            f"/api/v1/vouchers/{route}", body, content_type="application/json", **extra
        )
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"
    voucher.refresh_from_db()
    assert voucher.redeemed_at is None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_public_pages_of_b_show_nothing_private(client, world, method):
    """B's landing page, chat and counted redirects, opened by A's member: they may name B and
    count a visit, but show none of B's customers, members or messages, and change no other row."""
    counted = {"analytics.Event", "analytics.DailyCount", "conversations.Conversation"}
    before = {k: v for k, v in _snapshot(world["b"]).items() if k not in counted}
    client.force_login(world["a_owner"])
    public = [route for route in _routes() if route.startswith(PUBLIC_PREFIXES)]
    assert len(public) >= 3
    for route in public:
        path = _path(route, world)
        response = _request(client, method, path)
        body = response.content.decode(errors="replace")
        assert response.status_code < 500, f"{method} {path}"
        for secret in B_PRIVATE:
            assert secret not in body, f"{method} {path} shows {secret}"
    after = {k: v for k, v in _snapshot(world["b"]).items() if k not in counted}
    assert after == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_widget_routes_of_b_show_nothing_private(client, world, method):
    """B's widget API, called with B's client id (or subdomain) by A's member and A's key: it
    answers for B (its name, greeting and menu are public) but shows none of B's customers,
    members or messages, and changes nothing but a visitor's own new chat and counters; A's
    widget's session token means nothing there."""
    counted = {"analytics.Event", "analytics.DailyCount", "conversations.Conversation"}
    before = {k: v for k, v in _snapshot(world["b"]).items() if k not in counted}
    routes = [route for route in _routes() if route.startswith(PUBLIC_API_PREFIXES)]
    assert len(routes) >= 4
    client.force_login(world["a_owner"])
    hints = [
        {"HTTP_X_CLIENT_ID": world["b"].client_id},
        {"HTTP_HOST": f"{world['b'].slug}.localhost"},
        {
            "HTTP_X_CLIENT_ID": world["b"].client_id,
            "HTTP_AUTHORIZATION": f"Bearer {world['a_key_secret']}",
        },
    ]
    for route in routes:
        for hint in hints:
            path = _path(route, world)
            response = _request(client, method, path, **hint)
            body = _body(response)
            assert response.status_code < 500, f"{method} {path}"
            for secret in B_PRIVATE:
                assert secret not in body, f"{method} {path} shows {secret}"
    after = {k: v for k, v in _snapshot(world["b"]).items() if k not in counted}
    assert after == before


def test_the_walk_detects_a_leak(client, world):
    """The checks above would notice: B's own owner does see B's customer by the same route."""
    b_owner = Membership.objects.get(business=world["b"], role=Role.OWNER).user
    client.force_login(b_owner)
    response = client.get(f"/dashboard/customers/{world['b_customer'].pk}/")
    assert response.status_code == 200
    assert "Bertha Zweitladen" in response.content.decode()
