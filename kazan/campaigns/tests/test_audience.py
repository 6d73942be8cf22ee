"""A campaign's audience: each filter alone and together, applied by the one query behind the
count, the send and the API; consent and tenancy always win over the filters."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from kazan.campaigns import queries, services
from kazan.campaigns.audience import SMS, Audience, audience_parse, broadcast_channels
from kazan.campaigns.models import CampaignStatus
from kazan.core.errors import ValidationFailed
from kazan.customers.models import Tag
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.loyalty.models import Review
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("UTC"))


def _customer(business, name, *, tags=(), rating=None, visited=None, consent_at=None):
    customer = CustomerFactory(
        business=business,
        name=name,
        tags=list(tags),
        last_interaction_at=visited,
    )
    with time_machine.travel(consent_at or NOW - timedelta(days=100), tick=False):
        consent_given(customer)
    if rating is not None:
        Review.objects.create(business=business, customer=customer, rating=rating)
    return customer


@pytest.fixture
def people(business, consent_wordings):
    """Five consenting customers who differ in every filter, by name."""
    with time_machine.travel(NOW, tick=False):
        return {
            "ada": _customer(
                business,
                "Ada",
                tags=["vip"],
                rating=5,
                visited=NOW - timedelta(days=2),
                consent_at=NOW - timedelta(days=10),
            ),
            "bo": _customer(
                business,
                "Bo",
                tags=["regular"],
                rating=2,
                visited=NOW - timedelta(days=40),
                consent_at=NOW - timedelta(days=60),
            ),
            "cy": _customer(
                business,
                "Cy",
                tags=["vip", "regular"],
                rating=4,
                visited=NOW - timedelta(days=200),
                consent_at=NOW - timedelta(days=300),
            ),
            "di": _customer(business, "Di", visited=None, consent_at=NOW - timedelta(days=5)),
            "ed": _customer(
                business, "Ed", tags=["lapsed"], rating=1, visited=NOW - timedelta(days=400)
            ),
        }


def _tag(business, name) -> int:
    return Tag.objects.get(business=business, name=name).pk


def _names(business, audience) -> set[str]:
    with time_machine.travel(NOW, tick=False):
        customers = queries.audience_customers(business=business, channel=SMS, audience=audience)
        return {customer.name.lower() for customer in customers}


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ({}, {"ada", "bo", "cy", "di", "ed"}),
        ({"tags": ["vip"]}, {"ada", "cy"}),
        ({"tags": ["vip", "lapsed"]}, {"ada", "cy", "ed"}),
        ({"rating_min": 4}, {"ada", "cy"}),
        ({"rating_max": 2}, {"bo", "ed"}),
        ({"visited_after": date(2026, 5, 1)}, {"ada", "bo"}),
        ({"visited_before": date(2026, 5, 1)}, {"cy", "ed"}),
        ({"visited_within_days": 30}, {"ada"}),
        ({"not_visited_days": 100}, {"cy", "di", "ed"}),
        ({"consent_after": date(2026, 6, 1)}, {"ada", "di"}),
        ({"consent_before": date(2026, 5, 1)}, {"bo", "cy", "ed"}),
    ],
    ids=lambda value: str(value),
)
def test_each_filter_alone(business, people, audience, expected):
    # Given five customers who differ in tags, rating, last visit and consent date
    if "tags" in audience:
        audience = {**audience, "tags": [_tag(business, name) for name in audience["tags"]]}
    # When the audience has one filter, then exactly the matching customers are in it
    assert _names(business, audience) == expected


def test_filters_combine_with_and_tags_with_or(business, people):
    audience = {
        "tags": [_tag(business, "vip"), _tag(business, "regular")],
        "rating_min": 3,
        "visited_within_days": 300,
        "not_visited_days": 10,
        "consent_before": date(2026, 6, 1),
    }
    assert _names(business, audience) == {"cy"}


def test_the_latest_review_counts(business, people):
    # Given Bo's latest review is 5 stars after an earlier 2
    Review.objects.create(business=business, customer=people["bo"], rating=5)
    assert "bo" in _names(business, {"rating_min": 5})
    assert "bo" not in _names(business, {"rating_max": 2})


def test_consent_erased_and_unreachable_customers_are_never_in(business, people):
    # Given one customer withdrew, one is erased, one has no phone, one never agreed
    consent_given(people["ada"], granted=False)
    people["bo"].erased_at = timezone.now()
    people["bo"].save()
    CustomerFactory(business=business, name="NoPhone", phone_e164="", phone_index=None)
    CustomerFactory(business=business, name="Never")
    # Then none of them is in any audience
    assert _names(business, {}) == {"cy", "di", "ed"}


def test_other_business_customers_and_tags_never_count(business, other_business, people):
    # Given another business with a consenting customer carrying its own "vip" tag
    theirs = _customer(other_business, "Theirs", tags=["vip"], rating=5, visited=NOW)
    their_tag = Tag.objects.get(business=other_business, name="vip").pk
    # Then it is never counted for ours, and our audience may not name its tag
    assert "theirs" not in _names(business, {})
    assert queries.audience_count(business=other_business, channel="sms", audience={}) == 1
    with pytest.raises(ValidationFailed) as refused:
        services.audience_validate(business=business, audience={"tags": [their_tag]})
    assert refused.value.code == "invalid_audience"
    assert theirs.business_id == other_business.pk


@pytest.mark.parametrize(
    "raw",
    [
        {"rating_min": 0},
        {"rating_min": 5, "rating_max": 3},
        {"visited_after": "2026-05-02", "visited_before": "2026-05-01"},
        {"visited_within_days": 10, "not_visited_days": 30},
        {"consent_after": "not a date"},
        {"tags": "vip"},
        {"unknown": 1},
    ],
)
def test_bad_audience_is_refused_with_a_message(raw):
    with pytest.raises(ValidationFailed) as refused:
        audience_parse(raw)
    assert refused.value.code == "invalid_audience"
    assert str(refused.value.message)


def test_an_audience_is_stored_with_only_its_filters(business, owner, people):
    credits_given(business, 50)
    vip = _tag(business, "vip")
    campaign = services.campaign_save(
        business=business,
        actor=owner,
        name="VIPs",
        body="Hi {name}",
        draft=True,
        audience={"tags": [vip, vip], "rating_min": 4},
    )
    assert campaign.channel == "sms"
    assert campaign.audience == {"tags": [vip], "rating_min": 4}
    assert Audience.model_validate(campaign.audience).rating_min == 4


def test_the_channel_list_comes_from_one_function_and_is_enforced(business, owner, people):
    assert list(broadcast_channels(business=business)) == ["sms"]
    with pytest.raises(ValidationFailed) as refused:
        services.campaign_save(
            business=business, actor=owner, name="X", body="Hi", draft=True, channel="fax"
        )
    assert refused.value.code == "invalid_channel"


def test_the_count_is_one_query_whatever_the_audience_size(
    business, people, django_assert_num_queries
):
    audience = {
        "tags": [_tag(business, "vip")],
        "rating_min": 1,
        "visited_within_days": 365,
        "consent_after": date(2025, 1, 1),
    }
    with django_assert_num_queries(1):
        small = queries.audience_count(business=business, channel="sms", audience=audience)
    for n in range(10):
        _customer(business, f"More{n}", tags=["vip"], rating=3, visited=timezone.now())
    with django_assert_num_queries(1):
        large = queries.audience_count(business=business, channel="sms", audience=audience)
    assert large == small + 10


def test_count_equals_sent_and_consent_revoked_after_scheduling_is_respected(
    business, owner, people
):
    # Given a campaign to the VIPs and regulars with a rating of 2 or more
    credits_given(business, 100)
    audience = {"tags": [_tag(business, "vip"), _tag(business, "regular")], "rating_min": 2}
    count = queries.audience_count(business=business, channel="sms", audience=audience)
    assert count == 3
    campaign = services.campaign_save(
        business=business,
        actor=owner,
        name="Loyal",
        body="Thanks {name}!",
        send_at=timezone.now() + timedelta(minutes=5),
        audience=audience,
    )
    # When Bo withdraws consent after it was scheduled, and the campaign is sent
    consent_given(people["bo"], granted=False)
    expected = queries.campaign_audience(campaign=campaign).count()
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=True):
        services.campaign_send_run(campaign_id=campaign.pk)
    tasks_run_all()
    campaign.refresh_from_db()
    # Then exactly the audience as it stood at sending got it, once each
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipient_count == expected == 2
    received = set(campaign.recipients.values_list("customer__name", flat=True))
    assert received == {"Ada", "Cy"}
    # And the messages went through the channel-neutral outbox, as text on SMS
    payloads = [r.message.payload for r in campaign.recipients.select_related("message")]
    assert all(p["replies"][0]["type"] == "text" for p in payloads)


def test_a_campaign_nobody_in_the_audience_would_receive_is_refused(business, owner, people):
    credits_given(business, 100)
    with pytest.raises(ValidationFailed) as refused:
        services.campaign_save(
            business=business,
            actor=owner,
            name="Nobody",
            body="Hi",
            audience={"rating_min": 5, "rating_max": 5, "tags": [_tag(business, "lapsed")]},
        )
    assert refused.value.code == "no_recipients"
