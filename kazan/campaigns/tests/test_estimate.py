"""The campaign estimate for the general case: copies that differ by language (opt-out line)
and by encoding (a name outside GSM-7), and the page that explains the numbers."""

import pytest
from django.urls import reverse

from kazan.campaigns.links import compose, short_url
from kazan.campaigns.queries import campaign_estimate, recipients_consenting
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging.segments import sms_segments
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db


def _agreed(business, name, language):
    customer = CustomerFactory(business=business, name=name, language=language)
    consent_given(customer)
    return customer


def _real_cost(business, body, customer) -> int:
    """What this customer's finished copy costs, composed the way sending composes it."""
    from kazan.campaigns.links import body_urls, unsubscribe_token, unsubscribe_url

    links = {url: short_url("a" * 8) for url in body_urls(body)}
    token = unsubscribe_token(business_id=business.pk, customer_id=customer.pk)
    text = compose(
        body,
        name=customer.name,
        voucher_code="",
        links=links,
        language=customer.language,
        stop_url=unsubscribe_url(token),
    )
    return sms_segments(text).segments


def test_estimate_sums_per_language_and_encoding(business, consent_wordings):
    # English and Turkish copies (each with its own opt-out line), and a name with "ğ" that
    # makes its copy Unicode: 70 characters per part instead of 160.
    body = "Hi {name}! " + "x" * 80
    en = [_agreed(business, f"Ann{n}", "en") for n in range(3)]
    tr = [_agreed(business, "Cem", "tr") for _ in range(2)]
    unicode_name = _agreed(business, "Çağla", "en")

    estimate = campaign_estimate(business=business, body=body, has_voucher=False)

    everyone = [*en, *tr, unicode_name]
    assert estimate.recipients == 6
    assert estimate.credits == sum(_real_cost(business, body, c) for c in everyone)
    by_key = {(g.language, g.encoding): g for g in estimate.groups}
    assert by_key[("en", "GSM-7")].customers == 3
    assert by_key[("tr", "GSM-7")].customers == 2
    assert by_key[("en", "UCS-2")].customers == 1
    assert by_key[("en", "UCS-2")].segments == 3  # ~140 characters in parts of 67
    assert sum(g.credits for g in estimate.groups) == estimate.credits
    assert estimate.varies and estimate.segments_max == 3


def test_estimate_of_a_uniform_audience_is_one_group(business, consent_wordings):
    for n in range(4):
        _agreed(business, f"Bo{n}", "de")

    estimate = campaign_estimate(business=business, body="Hello {name}", has_voucher=False)

    assert [(g.language, g.encoding, g.segments, g.customers) for g in estimate.groups] == [
        ("de", "GSM-7", 1, 4)
    ]
    assert not estimate.varies
    assert estimate.credits == 4 == recipients_consenting(business=business).count()


def test_preview_explains_credits_segments_and_balance(owner_client, business, consent_wordings):
    credits_given(business, 1500)
    for n in range(3):
        _agreed(business, f"Ann{n}", "en")
    _agreed(business, "Çağla", "en")

    page = owner_client.post(
        reverse("campaigns:new"),
        {
            "name": "Spring",
            "body": "Hi {name}! " + "x" * 80,
            "when": "now",
            "action": "preview",
        },
    ).content.decode()

    assert 'id="estimate-explained"' in page
    assert "160 characters" in page and "70 characters" in page
    assert 'data-estimate-group="en-GSM-7-1"' in page
    assert 'data-estimate-group="en-UCS-2-3"' in page
    assert 'id="estimate-total">6<' in page
    assert 'id="estimate-varies"' in page
    assert "You have 1,500 credits; 1,494 remain after this campaign." in page
    assert "sending stops" in page
