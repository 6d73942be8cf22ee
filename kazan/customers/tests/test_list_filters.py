"""Customer list filters of issue 3 — rating, review status, vouchers — together with consent,
dates, tags, search and paging; one query for the rows whatever their number."""

import datetime as dt
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.customers.queries import customer_list
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.loyalty.models import Review, Voucher
from kazan.loyalty.services import voucher_redeem, voucher_welcome_issue
from kazan.messaging.services import sms_credits_grant, sms_send

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def _names(response) -> set[str]:
    return {customer.name for customer in response.context["page"]}


@pytest.fixture
def people(business, owner, other_business):
    """Anna: 5★ and 2★, redeemed voucher. Bert: 3★, open voucher. Cora: no review, an expired
    voucher. Dieter: nothing. Plus a 5★ customer of another business with the same name."""
    anna = CustomerFactory(business=business, name="Anna", tags=["vip"])
    bert = CustomerFactory(business=business, name="Bert", tags=["vip"])
    cora = CustomerFactory(business=business, name="Cora")
    dieter = CustomerFactory(business=business, name="Dieter")
    Review.objects.create(business=business, customer=anna, rating=5)
    Review.objects.create(business=business, customer=anna, rating=2)
    Review.objects.create(business=business, customer=bert, rating=3)
    voucher_redeem(
        business=business,
        code=voucher_welcome_issue(business=business, customer=anna)[0].code,
        actor=owner,
    )
    voucher_welcome_issue(business=business, customer=bert)
    expired, _ = voucher_welcome_issue(business=business, customer=cora)
    Voucher.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    stranger = CustomerFactory(business=other_business, name="Anna")
    Review.objects.create(business=other_business, customer=stranger, rating=5)
    voucher_welcome_issue(business=other_business, customer=stranger)
    return {"anna": anna, "bert": bert, "cora": cora, "dieter": dieter}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rating": "5"}, {"Anna"}),
        ({"rating": "3"}, {"Anna", "Bert"}),
        ({"rating": "1"}, {"Anna", "Bert"}),
        ({"reviewed": "yes"}, {"Anna", "Bert"}),
        ({"reviewed": "no"}, {"Cora", "Dieter"}),
        ({"voucher": "open"}, {"Bert"}),
        ({"voucher": "redeemed"}, {"Anna"}),
        ({"voucher": "none"}, {"Dieter"}),
        ({"rating": "3", "tag": "vip", "voucher": "open"}, {"Bert"}),
        ({"reviewed": "no", "q": "cor"}, {"Cora"}),
        ({}, {"Anna", "Bert", "Cora", "Dieter"}),
    ],
)
def test_filters_combine(owner_client, business, people, params, expected):
    if params.get("tag") == "vip":
        params = {**params, "tag": business.tags.get(name="vip").pk}
    response = owner_client.get(LIST, params)
    assert response.status_code == 200
    assert _names(response) == expected


def test_consent_and_date_filters_work_with_the_review_filters(owner_client, business, people):
    consent_given(people["anna"])
    consent_given(people["bert"])
    people["bert"].last_interaction_at = timezone.now() - timedelta(days=40)
    people["bert"].save()
    last_week = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    response = owner_client.get(LIST, {"consent": "yes", "reviewed": "yes", "since": last_week})
    assert _names(response) == {"Anna"}
    old = owner_client.get(
        LIST,
        {"reviewed": "yes", "until": (timezone.localdate() - dt.timedelta(days=30)).isoformat()},
    )
    assert _names(old) == {"Bert"}


def test_list_shows_the_average_rating(owner_client, people):
    html = owner_client.get(LIST, {"q": "Anna"}).content.decode()
    assert "3.5 ★" in html


def test_bad_review_filters_are_a_400_with_a_message(owner_client, people):
    for params in [{"rating": "6"}, {"rating": "x"}, {"reviewed": "maybe"}, {"voucher": "all"}]:
        response = owner_client.get(LIST, params)
        assert response.status_code == 400, params
        assert 'class="errorlist' in response.content.decode()


def test_filters_survive_paging(owner_client, business):
    for n in range(55):
        customer = CustomerFactory(business=business)
        Review.objects.create(business=business, customer=customer, rating=4 + n % 2)
    CustomerFactory.create_batch(3, business=business)
    first = owner_client.get(LIST, {"reviewed": "yes", "rating": "4"})
    html = first.content.decode()
    assert html.count('class="customer-row"') == 50
    assert "rating=4&amp;page=2" in html and "reviewed=yes" in html
    second = owner_client.get(LIST, {"reviewed": "yes", "rating": "4", "page": 2})
    assert second.content.decode().count('class="customer-row"') == 5


def test_list_query_count_is_constant_with_reviews_vouchers_and_tags(
    owner_client, business, owner, django_assert_max_num_queries
):
    def seed(count: int) -> None:
        for n in range(count):
            customer = CustomerFactory(business=business, tags=["regular", f"t{n % 4}"])
            Review.objects.create(business=business, customer=customer, rating=1 + n % 5)
            voucher_welcome_issue(business=business, customer=customer)
            consent_given(customer)

    seed(2)
    with django_assert_max_num_queries(30) as captured:
        owner_client.get(LIST, {"reviewed": "yes", "voucher": "open", "rating": "1"})
    baseline = len(captured.captured_queries)
    seed(30)
    with django_assert_max_num_queries(baseline):
        response = owner_client.get(LIST, {"reviewed": "yes", "voucher": "open", "rating": "1"})
    assert response.content.decode().count('class="customer-row"') == 32


def test_customer_list_query_stays_in_the_business(business, other_business, people):
    assert {c.name for c in customer_list(business=other_business, min_rating=5)} == {"Anna"}
    assert {c.name for c in customer_list(business=business, voucher="none")} == {"Dieter"}


def test_detail_shows_name_masked_phone_sms_count_reviews_vouchers_and_consent(
    owner_client, business, owner, people
):
    anna = people["anna"]
    consent_given(anna)
    sms_credits_grant(business=business, amount=10, actor=owner)
    for body in ("Hello", "Your voucher"):
        sms_send(
            business=business,
            to=anna.phone_e164,
            body=body,
            purpose="transactional",
            customer=anna,
        )
    from kazan.messaging.models import OutboundMessage, Status

    # one delivered, one still waiting in the outbox: received counts the delivered one
    OutboundMessage.objects.filter(business=business, body="Hello").update(status=Status.DELIVERED)
    response = owner_client.get(reverse("customers:detail", args=[anna.pk]))
    html = response.content.decode()
    assert "Anna" in html and anna.phone_masked in html and anna.phone_e164 not in html
    assert 'data-stat="sms-received">1<' in html
    assert 'id="panel-reviews"' in html and "5 ★" in html and "2 ★" in html
    assert 'id="panel-vouchers"' in html
    assert 'class="consent-row"' in html
