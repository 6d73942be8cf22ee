import pytest
from django.urls import reverse

from kazan.customers.services import customer_erase, customer_export
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Review
from kazan.loyalty.queries import review_stats

pytestmark = pytest.mark.django_db


def test_review_stats_are_per_business(business, other_business):
    Review.objects.create(business=business, rating=5)
    Review.objects.create(business=business, rating=2)
    Review.objects.create(business=other_business, rating=1)
    assert review_stats(business=business) == {"count": 2, "average": 3.5}
    assert review_stats(business=other_business) == {"count": 1, "average": 1}


def test_database_refuses_a_rating_outside_one_to_five(business):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(business=business, rating=6)


def test_gdpr_export_contains_and_erasure_removes_the_review_text(business, owner):
    anna = CustomerFactory(business=business)
    Review.objects.create(business=business, customer=anna, rating=4, comment="Great cake")

    exported = customer_export(business=business, customer=anna, actor=owner)
    assert exported["reviews"][0]["comment"] == "Great cake"

    customer_erase(business=business, customer=anna, actor=owner)
    review = Review.objects.get()
    assert review.comment == "" and review.customer is None
    assert review.rating == 4  # the business keeps the anonymous star rating


def test_customer_page_shows_their_reviews(owner_client, business):
    anna = CustomerFactory(business=business)
    Review.objects.create(business=business, customer=anna, rating=5, comment="Lovely staff")
    page = owner_client.get(reverse("customers:detail", args=[anna.pk])).content.decode()
    assert 'id="panel-reviews"' in page and "Lovely staff" in page
