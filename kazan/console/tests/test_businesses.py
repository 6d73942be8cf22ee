"""The business list and page: search, numbers, package terms with their internal log, a credit
correction, suspension (the landing page says unavailable; nothing is deleted) and onboarding."""

import pytest
from django.core import mail
from django.test import Client

from kazan.activity.models import Activity
from kazan.billing.models import SubscriptionChange
from kazan.billing.services import subscription_for
from kazan.campaigns.services import campaigns_due_enqueue
from kazan.console.tests.factories import events_on
from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging.queries import sms_balance
from kazan.messaging.services import sms_credits_grant
from kazan.tenancy.models import Business, Invitation, Membership, Role
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_list_searches_by_name_and_filters_by_status(staff_client):
    BusinessFactory(name="Alpha Bakery", slug="alpha-bakery")
    BusinessFactory(name="Beta Bar", slug="beta-bar", status=Business.Status.SUSPENDED)
    body = staff_client.get("/console/businesses/?q=bakery").content.decode()
    assert "Alpha Bakery" in body and "Beta Bar" not in body
    body = staff_client.get("/console/businesses/?status=suspended").content.decode()
    assert "Beta Bar" in body and "Alpha Bakery" not in body
    response = staff_client.get("/console/businesses/?status=nonsense&page=x")
    assert response.status_code == 200  # bad filters are ignored, never a 500


def test_list_shows_numbers_in_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    first = BusinessFactory(name="First")
    CustomerFactory.create_batch(3, business=first)
    events_on(first, count=4)
    response = staff_client.get("/console/businesses/")
    row = response.content.decode().split(f'data-business="{first.slug}"')[1].split("</tr>")[0]
    assert "<td>3</td>" in row and "<td>4</td>" in row
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        staff_client.get("/console/businesses/")
    for _ in range(15):
        business = BusinessFactory()
        subscription_for(business)
        CustomerFactory(business=business)
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get("/console/businesses/")


def test_staff_change_the_terms_and_the_internal_log_keeps_old_and_new(
    staff_client, staff_user, business
):
    subscription_for(business)
    response = staff_client.post(
        f"/console/businesses/{business.pk}/terms/",
        {"sms_allowance": "750", "price": "19.50", "reason": "Loyal customer discount"},
    )
    assert response.status_code == 302
    changes = {c.field: c for c in SubscriptionChange.objects.filter(business=business)}
    assert changes["sms_allowance"].new_value == "750"
    assert changes["price_minor"].new_value == "1950"
    assert changes["price_minor"].changed_by == staff_user
    assert changes["price_minor"].reason == "Loyal customer discount"
    body = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert 'data-package="allowance">750<' in body
    assert "Loyal customer discount" in body and "data-terms-change" in body


def test_the_price_is_typed_in_the_currency_of_the_terms(staff_client, business):
    from kazan.billing.models import Subscription

    subscription_for(business)
    Subscription.objects.filter(business=business).update(currency="JPY", price_minor=900)
    body = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert 'name="price" value="900"' in body  # yen have no minor unit
    staff_client.post(
        f"/console/businesses/{business.pk}/terms/",
        {"sms_allowance": "200", "price": "950", "reason": "Yen price"},
    )
    change = SubscriptionChange.objects.get(business=business, field="price_minor")
    assert (change.old_value, change.new_value) == ("900", "950")


def test_bad_terms_are_refused_with_a_message_and_nothing_changes(staff_client, business):
    subscription_for(business)
    response = staff_client.post(
        f"/console/businesses/{business.pk}/terms/",
        {"sms_allowance": "-5", "price": "abc", "reason": ""},
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not SubscriptionChange.objects.filter(business=business).exists()


def test_staff_adjust_credits_once_with_a_reason(staff_client, business):
    response = staff_client.post(
        f"/console/businesses/{business.pk}/credits/", {"amount": "40", "reason": "Goodwill"}
    )
    assert response.status_code == 302
    assert sms_balance(business=business) == 40
    body = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert "Goodwill" in body
    response = staff_client.post(
        f"/console/businesses/{business.pk}/credits/", {"amount": "-100", "reason": "Too many"}
    )
    assert response.status_code == 400  # the balance never goes below zero
    assert sms_balance(business=business) == 40
    page = response.content.decode()
    assert "This business has only 40 credits; you can remove at most 40." in page
    assert "top up" not in page  # the business's own message is not for staff


def test_removing_too_many_credits_names_the_limit_with_grouping(staff_client, business):
    sms_credits_grant(business=business, amount=1283, actor=None, note="test")

    response = staff_client.post(
        f"/console/businesses/{business.pk}/credits/", {"amount": "-5000", "reason": "Too many"}
    )

    assert response.status_code == 400
    assert "you can remove at most 1,283." in response.content.decode()


def test_suspend_and_reactivate(staff_client, business, owner):
    response = staff_client.post(
        f"/console/businesses/{business.pk}/status/",
        {"status": "suspended", "reason": "Unpaid for three months"},
    )
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.status == Business.Status.SUSPENDED
    entry = Activity.objects.get(business=business, action="business.suspended")
    assert entry.data == {"reason": "Unpaid for three months"}
    landing = Client().get(f"/{business.slug}/")
    assert "unavailable" in landing.content.decode().lower()
    assert Business.objects.filter(pk=business.pk).exists()
    team = Client()
    team.force_login(owner)
    assert "data-suspended" in team.get("/dashboard/").content.decode()  # told, data kept

    response = staff_client.post(
        f"/console/businesses/{business.pk}/status/", {"status": "active", "reason": "Paid"}
    )
    business.refresh_from_db()
    assert business.status == Business.Status.ACTIVE
    assert Activity.objects.filter(business=business, action="business.reactivated").exists()
    assert "data-suspended" not in team.get("/dashboard/").content.decode()


def test_suspension_needs_a_reason(staff_client, business):
    response = staff_client.post(
        f"/console/businesses/{business.pk}/status/", {"status": "suspended", "reason": ""}
    )
    assert response.status_code == 400
    business.refresh_from_db()
    assert business.status == Business.Status.ACTIVE


def test_a_suspended_business_campaigns_wait(business, owner):
    from datetime import timedelta

    from django.utils import timezone

    from kazan.campaigns.services import campaign_save
    from kazan.customers.tests.factories import consent_given

    consent_given(CustomerFactory(business=business))
    sms_credits_grant(business=business, amount=5, actor=None, note="test")
    campaign_save(
        business=business,
        actor=owner,
        name="Spring",
        body="Spring offer",
        send_at=timezone.now() + timedelta(minutes=1),
    )
    Business.objects.filter(pk=business.pk).update(status=Business.Status.SUSPENDED)
    later = timezone.now() + timedelta(minutes=5)
    assert campaigns_due_enqueue(now=later) == 0
    Business.objects.filter(pk=business.pk).update(status=Business.Status.ACTIVE)
    assert campaigns_due_enqueue(now=later) == 1


def test_onboarding_creates_the_business_and_invites_its_owner(staff_client, staff_user):
    response = staff_client.post(
        "/console/businesses/new/",
        {
            "name": "Neu Café",
            "slug": "neu-cafe",
            "owner_email": "new-owner@example.com",
            "country": "DE",
            "language": "de",
            "timezone": "Europe/Berlin",
            "currency": "eur",
            "address": "Hauptstraße 5",
            "latitude": "52.5",
            "longitude": "13.4",
        },
    )
    business = Business.objects.get(slug="neu-cafe")
    assert response.status_code == 302
    assert response["Location"] == f"/console/businesses/{business.pk}/"
    assert business.currency == "EUR" and float(business.latitude) == 52.5
    invitation = Invitation.objects.get(business=business)
    assert invitation.role == Role.OWNER
    assert not Membership.objects.filter(business=business).exists()
    assert Activity.objects.filter(business=business, action="business.created").exists()


def test_onboarding_with_a_taken_address_is_a_clear_error(staff_client, business):
    response = staff_client.post(
        "/console/businesses/new/",
        {
            "name": "Copy",
            "slug": business.slug,
            "owner_email": "x@example.com",
            "country": "DE",
            "language": "en",
            "timezone": "Europe/Berlin",
            "currency": "EUR",
            "latitude": "52.5",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "latitude and longitude" in body
    assert Business.objects.filter(slug=business.slug).count() == 1
    assert len(mail.outbox) == 0


def test_a_pending_manual_payment_links_to_its_confirmation(staff_client, business):
    from kazan.billing.tests.factories import payment_at

    pending = payment_at(business=business, status="pending")
    paid = payment_at(business=business, status="paid")
    body = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert f"/dashboard/billing/payments/{pending.pk}/confirm/" in body
    assert f"/dashboard/billing/payments/{paid.pk}/confirm/" not in body


def test_the_business_page_counts_this_month_and_all_time(staff_client, business):
    events_on(business, count=2)
    events_on(business, days_ago=400, count=3)
    CustomerFactory.create_batch(2, business=business)
    body = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert 'data-stat="month-qr_scan">2<' in body
    assert 'data-stat="total-qr_scan">5<' in body
    assert 'data-stat="customers">2<' in body


def test_business_page_explains_booked_and_shows_custom_terms(staff_client, business, staff_user):
    from kazan.billing.services import allowance_grant, subscription_terms_change

    allowance_grant(business=business)
    subscription_terms_change(
        business=business, sms_allowance=300, price_minor=900, reason="deal", actor=staff_user
    )

    page = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()

    assert 'data-package="name">Custom<' in page
    assert 'data-package="allowance">300<' in page
    assert "monthly allowance 200 · packages bought 0" in page
