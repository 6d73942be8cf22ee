"""Issue 9 (18): the dashboard's customer list sorts by its columns through a whitelisted
`?sort=`; pages stay stable under ties, the query count does not grow with the rows, and a bad
sort value falls back to the default order instead of failing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.customers.queries import CUSTOMER_SORTS, customer_list
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Review
from kazan.loyalty.services import voucher_campaign_issue

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


@pytest.fixture
def people(business, other_business):
    now = timezone.now()
    cora = CustomerFactory(business=business, name="cora", last_interaction_at=now)
    anna = CustomerFactory(
        business=business, name="Anna", last_interaction_at=now - dt.timedelta(days=3)
    )
    bert = CustomerFactory(
        business=business, name="Bert", last_interaction_at=now - dt.timedelta(days=1)
    )
    nameless = CustomerFactory(business=business, name="", last_interaction_at=None)
    Review.objects.create(business=business, customer=anna, rating=5)
    Review.objects.create(business=business, customer=bert, rating=2)
    for _ in range(2):
        voucher_campaign_issue(business=business, customer=cora, discount_text="5%", valid_days=9)
    voucher_campaign_issue(business=business, customer=anna, discount_text="5%", valid_days=9)
    stranger = CustomerFactory(business=other_business, name="Aaron")
    for _ in range(5):
        voucher_campaign_issue(
            business=other_business, customer=stranger, discount_text="5%", valid_days=9
        )
    return {"anna": anna, "bert": bert, "cora": cora, "nameless": nameless}


def _order(owner_client, sort) -> list[str]:
    response = owner_client.get(LIST, {"sort": sort} if sort is not None else {})
    assert response.status_code == 200
    return [c.name for c in response.context["page"]]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["cora", "Bert", "Anna", ""]),
        ("-last_visit", ["cora", "Bert", "Anna", ""]),
        ("last_visit", ["Anna", "Bert", "cora", ""]),
        ("name", ["Anna", "Bert", "cora", ""]),  # case-insensitive, nameless last
        ("-name", ["cora", "Bert", "Anna", ""]),
        ("-rating", ["Anna", "Bert"]),
        ("-vouchers", ["cora", "Anna"]),
    ],
)
def test_sort_keys_order_the_list(owner_client, people, sort, expected):
    assert _order(owner_client, sort)[: len(expected)] == expected


def test_joined_sorts_by_the_date_the_customer_was_created(owner_client, business, people):
    names = _order(owner_client, "joined")
    assert names == ["cora", "Anna", "Bert", ""]
    assert _order(owner_client, "-joined") == list(reversed(names))


def test_vouchers_count_only_this_business(owner_client, people):
    response = owner_client.get(LIST, {"sort": "-vouchers"})
    totals = {c.name: c.vouchers_total for c in response.context["page"]}
    assert totals == {"cora": 2, "Anna": 1, "Bert": 0, "": 0}


@pytest.mark.parametrize("bad", ["password", "-", "name;drop", "__str__", "-pk", "x" * 500])
def test_an_unknown_sort_falls_back_to_the_default(owner_client, people, bad):
    assert _order(owner_client, bad) == ["cora", "Bert", "Anna", ""]


def test_headers_link_to_the_other_direction_and_keep_the_filters(owner_client, people):
    response = owner_client.get(LIST, {"sort": "name", "q": "a", "page": "1"})
    links = response.context["sort_links"]
    assert links["name"] == {"query": "sort=-name&q=a", "state": "ascending"}
    # Figures and dates start with the highest or newest; a second click reverses.
    assert links["rating"] == {"query": "sort=-rating&q=a", "state": "none"}
    assert 'aria-sort="ascending"' in response.text
    again = owner_client.get(LIST, {"sort": "-last_visit"}).context["sort_links"]
    assert again["last_visit"] == {"query": "sort=last_visit", "state": "descending"}


@pytest.mark.parametrize("sort", sorted(CUSTOMER_SORTS))
def test_pages_never_repeat_or_skip_a_customer_under_ties(business, sort):
    same = timezone.now()
    for _n in range(7):
        CustomerFactory(business=business, name="Same", last_interaction_at=same)
    everyone = list(customer_list(business=business, sort=sort).values_list("pk", flat=True))
    pages = [
        list(customer_list(business=business, sort=sort)[i : i + 3].values_list("pk", flat=True))
        for i in range(0, 7, 3)
    ]
    assert [pk for page in pages for pk in page] == everyone
    assert len(set(everyone)) == 7


@pytest.mark.parametrize("sort", sorted(CUSTOMER_SORTS))
def test_the_query_count_does_not_grow_with_the_rows(
    owner_client, business, sort, django_assert_max_num_queries
):
    for n in range(12):
        customer = CustomerFactory(business=business, name=f"C{n}", tags=["vip", f"t{n % 3}"])
        voucher_campaign_issue(
            business=business, customer=customer, discount_text="x", valid_days=3
        )
    owner_client.get(LIST)  # warm the session and membership caches
    with django_assert_max_num_queries(12) as captured:
        response = owner_client.get(LIST, {"sort": sort})
    assert len(response.context["page"]) == 12
    few = len(captured)
    for n in range(12, 30):
        CustomerFactory(business=business, name=f"C{n}", tags=["vip"])
    with django_assert_max_num_queries(few):
        owner_client.get(LIST, {"sort": sort})
