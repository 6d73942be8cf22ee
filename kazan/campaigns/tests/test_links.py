"""The public routes an SMS leads to: tracked short links and the unsubscribe link."""

import time

import pytest
from django.utils import timezone

from kazan.analytics.models import Event, EventKind
from kazan.campaigns import links, services
from kazan.campaigns.models import CampaignRecipient, ShortLink
from kazan.customers.models import ConsentRecord
from kazan.customers.queries import consent_is_granted

pytestmark = pytest.mark.django_db
SMS = ConsentRecord.Purpose.SMS_MARKETING


@pytest.fixture
def sent(business, owner, customers, funded):
    campaign = services.campaign_save(
        business=business,
        actor=owner,
        name="Menu",
        body="New menu: https://cafe.example/menu",
        send_at=timezone.now(),
    )
    services.campaign_send_run(campaign_id=campaign.pk)
    return campaign


def _link(campaign, customer) -> ShortLink:
    return ShortLink.objects.get(campaign=campaign, recipient__customer=customer)


def test_short_link_redirects_and_counts_every_click_but_the_first_open_once(
    client, sent, customers
):
    link = _link(sent, customers[0])
    response = client.get(f"/l/{link.code}")
    assert response.status_code == 302
    assert response["Location"] == "https://cafe.example/menu"
    recipient = CampaignRecipient.objects.get(campaign=sent, customer=customers[0])
    first_open = recipient.clicked_at
    assert first_open is not None
    client.get(f"/l/{link.code}")
    link.refresh_from_db()
    recipient.refresh_from_db()
    assert link.click_count == 2
    assert recipient.clicked_at == first_open
    events = Event.objects.filter(business=sent.business, kind=EventKind.LINK_CLICK)
    assert events.count() == 2
    assert events.first().customer_id == customers[0].pk
    assert events.first().data == {"link": link.pk, "campaign": sent.pk}


def test_a_link_preview_head_request_counts_nothing(client, sent, customers):
    link = _link(sent, customers[0])
    assert client.head(f"/l/{link.code}").status_code == 302
    link.refresh_from_db()
    assert link.click_count == 0


@pytest.mark.parametrize("code", ["nope1234", "x" * 40, "%00", "ab'cd"])
def test_unknown_link_is_a_friendly_404(client, db, code):
    response = client.get(f"/l/{code}")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_unsubscribe_link_asks_then_withdraws_consent(client, sent, customers, business):
    anna = customers[0]
    message = CampaignRecipient.objects.get(campaign=sent, customer=anna).message
    url = message.body.splitlines()[-1].split(": ", 1)[1]
    path = url.removeprefix("https://kz.example")
    page = client.get(path)
    assert page.status_code == 200
    assert business.name in page.content.decode()
    assert consent_is_granted(business=business, customer=anna, purpose=SMS)  # GET changes nothing
    done = client.post(path)
    assert done.status_code == 200
    assert "unsubscribed" in done.content.decode()
    assert not consent_is_granted(business=business, customer=anna, purpose=SMS)
    record = ConsentRecord.objects.filter(customer=anna).order_by("-occurred_at", "-id").first()
    assert (record.granted, record.channel) == (False, "sms-link")
    client.post(path)  # a second click records nothing new
    assert ConsentRecord.objects.filter(customer=anna, granted=False).count() == 1


def test_a_second_click_on_the_unsubscribe_link_says_already_unsubscribed(
    client, sent, customers, business
):
    anna = customers[0]
    message = CampaignRecipient.objects.get(campaign=sent, customer=anna).message
    path = message.body.splitlines()[-1].split(": ", 1)[1].removeprefix("https://kz.example")
    client.post(path)

    again = client.get(path).content.decode()
    posted_again = client.post(path).content.decode()

    for page in (again, posted_again):
        assert 'id="unsubscribe-already"' in page
        assert "already unsubscribed" in page
        assert 'id="unsubscribe-confirm"' not in page
    assert ConsentRecord.objects.filter(customer=anna, granted=False).count() == 1


def test_unsubscribe_with_a_forged_or_broken_token_says_so(client, business, customers):
    token = links.unsubscribe_token(business_id=business.pk, customer_id=customers[0].pk)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in [forged, "garbage", "a.b.c.d", "x" * 200]:
        response = client.post(f"/u/{bad}")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert consent_is_granted(business=business, customer=customers[0], purpose=SMS)


def test_unsubscribe_with_an_expired_token_says_it_expired(client, business, customers):
    long_ago = time.time() - (links.UNSUBSCRIBE_MAX_AGE_DAYS + 2) * 86400
    token = links.unsubscribe_token(
        business_id=business.pk, customer_id=customers[0].pk, now=long_ago
    )
    response = client.get(f"/u/{token}")
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_unsubscribe_token_of_one_business_cannot_name_another(
    client, business, other_business, customers
):
    # A genuine token naming business B with A's customer id: no such customer in B.
    token = links.unsubscribe_token(business_id=other_business.pk, customer_id=customers[0].pk)
    response = client.post(f"/u/{token}")
    assert response.status_code == 404
    assert consent_is_granted(business=business, customer=customers[0], purpose=SMS)


@pytest.mark.parametrize(
    "body",
    [
        "Cakes! https://example.com/menu",
        "Hi {name}, https://a.com/x. and (https://b.org/{name}) https://a.com/x {voucher}",
        "  https://example.com/a  ",
        "Only https:// here",
    ],
)
@pytest.mark.parametrize("name", ["Ann", "{name}", "", "http://evil.example", "x {voucher}"])
def test_composer_frame_composes_as_compose(body, name):
    """The batch path (the text cut at its links once) writes what compose writes."""
    composer = links.Composer(default_language="en")
    personal = links.personalize(body, name=name)
    codes = {url: links.code_new() for url in links.body_urls(personal)}
    assert list(codes) == composer.frame(personal)[0]
    expected = composer.compose(
        personal, name=name, voucher_code="", codes=codes, language="en", token="tok"
    )
    assert (
        composer.compose_personal(personal, name=name, codes=codes, language="en", token="tok")
        == expected
    )


def test_unsubscribe_token_mac_is_salted_hmac():
    from django.utils.crypto import salted_hmac

    digest = salted_hmac(links.UNSUBSCRIBE_SALT, "1.2.3", algorithm="sha256").digest()[:12]
    import base64

    assert links._mac("1.2.3") == base64.urlsafe_b64encode(digest).decode().rstrip("=")
