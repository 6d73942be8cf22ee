"""The console's activity log: every business's and the staff's actions, filterable by
business, person, kind of actor, type and period, paginated without counting the whole log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.activity.services import activity_record
from kazan.console.queries import PAGE_SIZE
from kazan.tenancy.tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(business, owner, staff_user):
    other = BusinessFactory(slug="other-shop", name="Other Shop")
    activity_record(business=business, actor=owner, action="campaign.scheduled")
    activity_record(business=business, actor=owner, action="customer.erased")
    activity_record(business=other, actor=UserFactory(), action="business.settings_edited")
    activity_record(business=None, actor=staff_user, action="console.settings_edited")
    old = activity_record(business=other, actor=None, action="customer.exported")
    Activity.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    return other


def _actions(response) -> list[str]:
    body = response.content.decode()
    return [part.split('"')[0] for part in body.split('data-action="')[1:]]


def test_everything_is_listed_newest_first(staff_client, log):
    actions = _actions(staff_client.get("/console/activity/"))
    assert actions[:4] == [
        "console.settings_edited",
        "business.settings_edited",
        "customer.erased",
        "campaign.scheduled",
    ]
    assert "customer.exported" in actions


def test_filters_by_business_person_kind_type_and_period(staff_client, log, owner, business):
    by_business = _actions(staff_client.get(f"/console/activity/?business={business.slug}"))
    assert set(by_business) == {"campaign.scheduled", "customer.erased"}
    by_person = _actions(staff_client.get(f"/console/activity/?actor={owner.email}"))
    assert set(by_person) == {"campaign.scheduled", "customer.erased"}
    by_kind = _actions(staff_client.get("/console/activity/?actor_kind=staff"))
    assert by_kind == ["console.settings_edited"]
    by_type = _actions(staff_client.get("/console/activity/?action=customer"))
    assert set(by_type) == {"customer.erased", "customer.exported"}
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    recent = _actions(staff_client.get(f"/console/activity/?since={since}&business=other-shop"))
    assert recent == ["business.settings_edited"]


def test_an_unknown_business_or_person_says_so_on_the_page(staff_client, log):
    response = staff_client.get("/console/activity/?business=no-such-shop")
    assert response.status_code == 400 and _actions(response) == []
    assert "No business has a name or address like “no-such-shop”." in response.content.decode()
    response = staff_client.get("/console/activity/?actor=nobody@example.com")
    assert _actions(response) == []
    assert "data-nothing" in response.content.decode()


def test_a_business_is_found_by_the_name_typed_or_picked(staff_client, log, business):
    # Given businesses "Café A", "Other Shop" (and "Shop Corner", so "shop" alone is ambiguous)
    BusinessFactory(slug="corner", name="Shop Corner")
    other = {"business.settings_edited", "customer.exported"}

    # When staff type its name, part of it, its address or pick it (the picker sends the slug)
    for typed in ("Other Shop", "other shop", "other s", "other-shop", str(log.pk)):
        response = staff_client.get("/console/activity/", {"business": typed})
        # Then the log shows that business's entries
        assert response.status_code == 200, typed
        assert set(_actions(response)) == other, typed
        # and the export link names it by address, whatever was typed
        assert "kind=activity&amp;business=other-shop" in response.content.decode()

    # A name several businesses share asks to pick one, with a message, not a bare error
    response = staff_client.get("/console/activity/", {"business": "shop"})
    assert response.status_code == 400
    assert "2 businesses match “shop”: pick one from the list." in response.content.decode()


def test_the_picker_suggests_businesses_by_name_and_address(staff_client, owner, log):
    BusinessFactory(slug="zz-bakery", name="Bäckerei Sonne")
    by_name = staff_client.get("/console/businesses/options/", {"business": "sonne"})
    assert by_name.content.decode() == '<option value="zz-bakery">Bäckerei Sonne</option>\n'
    by_slug = staff_client.get("/console/businesses/options/", {"business": "other-sh"})
    assert 'value="other-shop">Other Shop<' in by_slug.content.decode()
    for n in range(25):
        BusinessFactory(slug=f"many-{n}", name=f"Many {n}")
    assert (
        staff_client.get("/console/businesses/options/", {"business": "many"})
        .content.decode()
        .count("<option")
        == 20
    )
    assert staff_client.get("/console/businesses/options/").content.decode().strip() == ""
    # business members never see the platform's list of businesses
    staff_client.force_login(owner)
    assert staff_client.get("/console/businesses/options/", {"business": "a"}).status_code == 404


def test_dates_come_from_a_date_picker_or_are_typed_the_local_way(staff_client, log):
    page = staff_client.get("/console/activity/").content.decode()
    assert page.count('type="date"') == 2
    today = timezone.localdate()
    german = (today - timedelta(days=7)).strftime("%d.%m.%Y")

    # A German reader types 05.12.2026-style dates
    response = staff_client.get(
        "/console/activity/",
        {"since": german, "business": "other-shop"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 200
    assert _actions(response) == ["business.settings_edited"]
    # and the date picker shows the day it understood
    assert f'value="{(today - timedelta(days=7)).isoformat()}"' in response.content.decode()

    # In English that is no date: the page says so
    response = staff_client.get("/console/activity/", {"since": german})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_the_type_is_picked_by_its_name(staff_client, log):
    page = staff_client.get("/console/activity/").content.decode()
    assert '<option value="customer.erased">Customer erased</option>' in page
    by_type = _actions(staff_client.get("/console/activity/?action=customer.erased"))
    assert by_type == ["customer.erased"]
    response = staff_client.get("/console/activity/?action=no.such_type")
    assert response.status_code == 400 and "errorlist" in response.content.decode()


def test_bad_filters_are_a_clear_400(staff_client, log):
    response = staff_client.get("/console/activity/?since=2026-13-40&action=DROP TABLE")
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    response = staff_client.get("/console/activity/?since=2026-05-02&until=2026-05-01")
    assert response.status_code == 400


def test_pages_follow_each_other_without_gaps(
    staff_client, business, django_assert_max_num_queries
):
    for n in range(PAGE_SIZE + 5):
        activity_record(business=business, actor=None, action=f"test.entry_{n:03d}")
    first = staff_client.get("/console/activity/")
    assert len(_actions(first)) == PAGE_SIZE and 'rel="next"' in first.content.decode()
    with django_assert_max_num_queries(8):
        second = staff_client.get("/console/activity/?page=2")
    assert len(_actions(second)) == 5 and 'rel="next"' not in second.content.decode()
    assert not set(_actions(first)) & set(_actions(second))


def _mixed_rows(business, owner, staff_user, count: int) -> None:
    """`count` entries of eight types over seven kinds of target (customers, conversations,
    campaigns, vouchers, SMS, credit entries, subscriptions), each row its own target."""
    from kazan.billing.services import subscription_terms_change
    from kazan.campaigns.models import Campaign
    from kazan.conversations.models import Conversation
    from kazan.customers.tests.factories import CustomerFactory
    from kazan.loyalty.models import Voucher
    from kazan.messaging.services import sms_credits_adjust

    for n in range(count // 8 + 1):
        customer = CustomerFactory(business=business, name=f"Kunde {n}")
        chat = Conversation.objects.create(business=business, channel="web", customer=customer)
        campaign = Campaign.objects.create(business=business, name=f"Offer {n}", body="Hi")
        voucher = Voucher.objects.create(
            business=business,
            customer=customer,
            kind="welcome",
            code=f"W{n}",
            discount_text="10 %",
            expires_at=timezone.now() + timedelta(days=9),
        )
        rows = [
            ("customer.created", customer, None, {"channel": "web"}),
            ("conversation.started", chat, None, {"channel": "web", "flow": "review"}),
            ("campaign.scheduled", campaign, owner, {"recipients": 10, "credits": 10}),
            ("voucher.issued", voucher, None, {"kind": "welcome"}),
            ("customer.updated", customer, owner, {"fields": ["name"]}),
        ]
        for action, target, actor, data in rows:
            activity_record(business=business, actor=actor, action=action, target=target, data=data)
        sms_credits_adjust(business=business, amount=5, actor=staff_user, note=f"Gift {n}")
        subscription_terms_change(
            business=business,
            sms_allowance=100 + n,
            price_minor=900,
            reason=f"Deal {n}",
            actor=staff_user,
        )
    extra = Activity.objects.order_by("-created_at", "-id")[count:]
    Activity.objects.filter(pk__in=list(extra.values_list("pk", flat=True))).delete()


def test_the_page_reads_as_sentences_in_a_fixed_number_of_queries(
    staff_client, business, owner, staff_user, django_assert_max_num_queries
):
    # Given a page of 50 entries of mixed types, each about another object
    _mixed_rows(business, owner, staff_user, 50)
    assert Activity.objects.count() == 50

    # When staff open the activity log, the targets are read once per kind, not once per row
    with django_assert_max_num_queries(15):  # 14 + the bank-details banner of every console page
        response = staff_client.get("/console/activity/")

    # Then each entry reads as a sentence: no raw type, no Python repr of its data
    body = response.content.decode()
    assert len(_actions(response)) == 50
    assert "the conversation with Kunde" in body and "the campaign “Offer" in body
    assert "changed the package terms: Deal" in body and "SMS per month:" in body
    assert "Gift " in body and "<code>" not in body and "{&#x27;" not in body


def test_a_group_of_types_from_a_link_stays_selected_and_goes_to_the_export(staff_client, log):
    response = staff_client.get("/console/activity/?action=customer")
    page = response.content.decode()
    assert set(_actions(response)) == {"customer.erased", "customer.exported"}
    assert '<option value="customer" selected>Every type starting with “customer”</option>' in page
    exports = staff_client.get("/console/exports/?kind=activity&action=customer").content.decode()
    assert '<option value="customer" selected>' in exports
