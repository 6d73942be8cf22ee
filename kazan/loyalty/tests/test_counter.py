"""Redeeming vouchers at the counter: the page, the htmx partials and who may use them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Voucher
from kazan.loyalty.services import voucher_campaign_issue, voucher_redeem, voucher_welcome_issue
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def agent_client(client, business):
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    return client


def _state(response) -> str:
    html = response.content.decode()
    start = html.index('data-state="') + len('data-state="')
    return html[start : html.index('"', start)]


def test_counter_page_has_an_autofocused_code_input_and_the_scan_script(agent_client):
    response = agent_client.get(reverse("vouchers:counter"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="code"' in html and "autofocus" in html
    assert "loyalty/scan.js" in html and 'id="scan-start"' in html


def test_an_agent_checks_and_redeems_a_code(agent_client, business):
    anna = CustomerFactory(business=business, name="Anna")
    voucher, _ = voucher_welcome_issue(business=business, customer=anna)

    checked = agent_client.get(reverse("vouchers:counter"), {"code": voucher.code.lower()}, **HTMX)
    assert checked.status_code == 200
    assert _state(checked) == "valid"
    assert business.voucher_discount_text in checked.content.decode()
    assert "<html" not in checked.content.decode()  # a partial for htmx

    redeemed = agent_client.post(reverse("vouchers:redeem"), {"code": voucher.code}, **HTMX)
    assert _state(redeemed) == "redeemed-now"
    voucher.refresh_from_db()
    assert voucher.redeemed_at is not None

    again = agent_client.post(reverse("vouchers:redeem"), {"code": voucher.code}, **HTMX)
    assert _state(again) == "redeemed"
    assert str(voucher.redeemed_by) in again.content.decode()  # by whom


def test_check_without_javascript_renders_the_whole_page(owner_client, business, owner):
    voucher = voucher_campaign_issue(
        business=business, customer=None, discount_text="2 for 1", valid_days=3
    )
    voucher_redeem(business=business, code=voucher.code, actor=owner)
    response = owner_client.get(reverse("vouchers:counter"), {"code": voucher.code})
    html = response.content.decode()
    assert "<html" in html and _state(response) == "redeemed"
    assert "Already used" in html and "2 for 1" in html and str(owner) in html


def test_expired_and_unknown_codes(owner_client, business):
    expired = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )
    Voucher.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = owner_client.get(reverse("vouchers:counter"), {"code": expired.code}, **HTMX)
    assert _state(response) == "expired"
    post = owner_client.post(reverse("vouchers:redeem"), {"code": expired.code}, **HTMX)
    assert _state(post) == "expired"

    unknown = owner_client.get(reverse("vouchers:counter"), {"code": "NOPE-2345"}, **HTMX)
    assert _state(unknown) == "unknown" and "NOPE2345" in unknown.content.decode()
    assert _state(owner_client.post(reverse("vouchers:redeem"), {"code": "NOPE2345"}, **HTMX)) == (
        "unknown"
    )


@pytest.mark.parametrize("junk", ["---", "x" * 500])
def test_junk_codes_are_a_clear_message(owner_client, junk):
    response = owner_client.post(reverse("vouchers:redeem"), {"code": junk}, **HTMX)
    assert response.status_code == 400
    assert _state(response) == "error"
    assert owner_client.get(reverse("vouchers:counter"), {"code": junk}).status_code == 400


def test_a_nul_in_a_code_is_refused_before_the_counter(owner_client):
    """kazan.core.middleware.InputTextMiddleware answers it, for every form and query."""
    response = owner_client.post(reverse("vouchers:redeem"), {"code": "AB\x00CD"}, **HTMX)
    assert response.status_code == 400
    assert "cannot be stored" in response.content.decode()
    assert owner_client.get(reverse("vouchers:counter"), {"code": "\x00"}).status_code == 400


def test_another_business_code_is_unknown_and_stays_unredeemed(
    owner_client, business, other_business
):
    theirs = voucher_campaign_issue(
        business=other_business, customer=None, discount_text="x", valid_days=1
    )
    assert _state(owner_client.get(reverse("vouchers:counter"), {"code": theirs.code}, **HTMX)) == (
        "unknown"
    )
    owner_client.post(reverse("vouchers:redeem"), {"code": theirs.code}, **HTMX)
    theirs.refresh_from_db()
    assert theirs.redeemed_at is None


def test_every_front_desk_role_may_redeem_and_the_queue_s_operator_may_not(client, business):
    for role in (Role.OWNER, Role.MANAGER, Role.AGENT):
        client.force_login(MembershipFactory(business=business, role=role).user)
        assert client.get(reverse("vouchers:counter")).status_code == 200
    # Seed 004's operator works the order queue only.
    client.force_login(MembershipFactory(business=business, role=Role.OPERATOR).user)
    assert client.get(reverse("vouchers:counter")).status_code == 403


def test_redeem_needs_post_and_sign_in(client, owner_client):
    assert owner_client.get(reverse("vouchers:redeem")).status_code == 405
    client.logout()
    assert client.post(reverse("vouchers:redeem"), {"code": "ABCDEFGH"}).status_code == 302


def test_customer_page_shows_their_vouchers(owner_client, business, owner):
    anna = CustomerFactory(business=business)
    welcome, _ = voucher_welcome_issue(business=business, customer=anna)
    used = voucher_campaign_issue(
        business=business, customer=anna, discount_text="Cake", valid_days=5
    )
    voucher_redeem(business=business, code=used.code, actor=owner)
    page = owner_client.get(reverse("customers:detail", args=[anna.pk])).content.decode()
    assert 'id="panel-vouchers"' in page
    assert welcome.code in page and used.code in page
    assert page.count('class="voucher-row"') == 2
    assert "valid until" in page and "redeemed" in page


@pytest.mark.parametrize("state", ["valid", "redeemed", "expired"])
def test_check_dates_stand_apart_from_any_full_stop(agent_client, business, owner, state):
    """English times end in "a.m."/"p.m.": a date closing a sentence read "7:02 a.m.." — the
    dates now stand in their own <time> element, with no sentence around them."""
    import datetime as dt
    import re

    import time_machine

    # Yesterday morning: always in the past, whatever the hour the suite runs.
    yesterday = timezone.now().date() - dt.timedelta(days=1)
    morning = dt.datetime.combine(yesterday, dt.time(7, 2), tzinfo=dt.UTC)
    anna = CustomerFactory(business=business, name="Anna")
    with time_machine.travel(morning, tick=False):
        voucher, _ = voucher_welcome_issue(business=business, customer=anna)
        if state == "redeemed":
            voucher_redeem(business=business, code=voucher.code, actor=owner)
    if state == "expired":
        Voucher.objects.filter(pk=voucher.pk).update(expires_at=morning)
    response = agent_client.get(
        reverse("vouchers:counter"), {"code": voucher.code}, HTTP_ACCEPT_LANGUAGE="en", **HTMX
    )
    html = response.content.decode()
    assert _state(response) == state
    assert "a.m.." not in html and "p.m.." not in html
    moment = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert moment and moment.group(2).endswith(("a.m.", "p.m.")), html
