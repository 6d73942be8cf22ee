"""Dashboard pages: the list with its statistics (no N+1), compose → preview → send, edit and
delete of scheduled campaigns, the reminder settings, permissions and tenant isolation."""

import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.campaigns import services
from kazan.campaigns.models import Campaign, CampaignRecipient, CampaignStatus, ReminderRule
from kazan.customers.models import Tag
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.loyalty.models import Review, Voucher
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.tests.factories import credits_given
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LIST = reverse("campaigns:list")
NEW = reverse("campaigns:new")


def _form(**changes) -> dict:
    data = {
        "name": "Spring",
        "body": "Hello {name}, spring is here!",
        "voucher_discount": "",
        "voucher_valid_days": "",
        "when": "now",
        "send_at": "",
        "action": "preview",
    }
    data.update(changes)
    return data


def _sent_campaign(business, owner, name="Sent one", voucher=False) -> Campaign:
    kwargs = {"voucher_discount": "5 € off", "voucher_valid_days": 10} if voucher else {}
    body = "Offer {voucher} https://cafe.example" if voucher else "Offer https://cafe.example"
    campaign = services.campaign_save(
        business=business, actor=owner, name=name, body=body, send_at=timezone.now(), **kwargs
    )
    services.campaign_send_run(campaign_id=campaign.pk)
    return campaign


def test_preview_shows_recipients_characters_segments_and_credits(
    owner_client, business, customers, funded
):
    response = owner_client.post(NEW, _form(body="Hello {name}, spring is here!"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="estimate-recipients">3<' in page
    assert 'id="estimate-segments">1<' in page
    assert "GSM-7" in page
    assert 'id="estimate-credits">3<' in page
    assert "credits needed of 100 available" in page
    assert "Hello Alex, spring is here!" in page
    assert 'id="campaign-confirm"' in page
    assert not Campaign.objects.exists()  # a preview writes nothing


def test_preview_counts_unicode_texts_as_ucs2(owner_client, business, customers, funded):
    # One emoji makes the whole SMS UCS-2: 70 characters per SMS instead of 160.
    body = "Frühlingsangebot 🌸 " + "x" * 60
    page = owner_client.post(NEW, _form(body=body)).content.decode()
    assert "UCS-2" in page
    assert 'id="estimate-unicode"' in page
    assert 'id="estimate-segments">2<' in page
    gsm = owner_client.post(NEW, _form(body="Fruhlingsangebot " + "x" * 60)).content.decode()
    assert 'id="estimate-segments">1<' in gsm and "UCS-2" not in gsm


def test_preview_without_enough_credits_says_so_and_offers_no_send(
    owner_client, business, customers
):
    credits_given(business, 1)
    page = owner_client.post(NEW, _form()).content.decode()
    assert 'id="estimate-problem"' in page
    assert "2 are missing" in page
    assert 'id="campaign-confirm"' not in page
    response = owner_client.post(NEW, _form(action="confirm"))
    assert response.status_code == 402
    assert "needs 3 SMS credits" in response.content.decode()
    assert not Campaign.objects.exists()


def test_confirm_sends_now_in_one_click(
    owner_client, business, customers, funded, django_capture_on_commit_callbacks
):
    from kazan.messaging.testing import tasks_run_all

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(NEW, _form(action="confirm"))
    assert response.status_code == 302
    tasks_run_all()
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.SENT
    assert str(campaign.created_by_id) == owner_client.session["_auth_user_id"]
    assert OutboundMessage.objects.filter(business=business, purpose="marketing").count() == 3


def test_schedule_edit_and_delete_through_the_pages(owner_client, business, customers, funded):
    later = (
        (timezone.localtime(timezone.now(), business.tzinfo) + timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"
        )
        if hasattr(business, "tzinfo")
        else None
    )

    local = timezone.now().astimezone(zoneinfo.ZoneInfo(business.timezone)) + timedelta(days=1)
    later = local.strftime("%Y-%m-%dT%H:%M")
    response = owner_client.post(NEW, _form(action="confirm", when="later", send_at=later))
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.SCHEDULED
    # The form's time is the business's local time.
    assert campaign.scheduled_at.astimezone(local.tzinfo).strftime("%Y-%m-%dT%H:%M") == later
    edit = reverse("campaigns:edit", args=[campaign.pk])
    assert owner_client.get(edit).status_code == 200
    response = owner_client.post(
        edit, _form(action="confirm", when="later", send_at=later, body="Changed text")
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.body == "Changed text"
    listing = owner_client.get(LIST).content.decode()
    assert "Changed text" in listing and edit in listing
    assert owner_client.post(reverse("campaigns:delete", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED


def test_a_sent_campaign_cannot_be_edited_or_deleted_through_the_pages(
    owner_client, business, owner, customers, funded
):
    campaign = _sent_campaign(business, owner)
    response = owner_client.post(
        reverse("campaigns:edit", args=[campaign.pk]), _form(action="confirm", body="Late")
    )
    assert response.status_code == 302
    response = owner_client.post(reverse("campaigns:delete", args=[campaign.pk]))
    assert response.status_code == 409
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.body != "Late"


def test_bad_input_is_a_clear_400(owner_client, business, customers, funded):
    for data in [
        _form(name=""),
        _form(body=""),
        _form(when="later", send_at=""),
        _form(when="later", send_at="not a date"),
        _form(when="later", send_at="2001-01-01T10:00"),
        _form(voucher_discount="10%", voucher_valid_days=""),
        _form(body="Code {voucher}"),
        _form(voucher_valid_days="99999", voucher_discount="x"),
        _form(body="x\x00"),
    ]:
        response = owner_client.post(NEW, data)
        assert response.status_code == 400, data
    assert not Campaign.objects.exists()


def test_list_shows_statistics_and_best_hours_without_n_plus_1(
    owner_client, business, owner, customers, funded, django_assert_max_num_queries
):
    first = _sent_campaign(business, owner, "First", voucher=True)
    _sent_campaign(business, owner, "Second")
    _sent_campaign(business, owner, "Third")
    recipients = CampaignRecipient.objects.filter(campaign=first).order_by("pk")
    OutboundMessage.objects.filter(pk=recipients[0].message_id).update(status=Status.DELIVERED)
    OutboundMessage.objects.filter(pk=recipients[1].message_id).update(status=Status.FAILED)
    link = recipients[0].links.get()
    owner_client.get(f"/l/{link.code}")
    Voucher.objects.filter(pk=recipients[0].voucher_id).update(redeemed_at=timezone.now())
    with django_assert_max_num_queries(14):
        response = owner_client.get(LIST)
    assert response.status_code == 200
    row = (
        response.content.decode().split('id="campaign-' + str(first.pk) + '"')[1].split("</tr>")[0]
    )
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[2:]]
    # Status, sent, recipients, delivered, failed, clicks, open rate, redemptions
    assert cells[2:7] == ["3", "1", "1", "1", "33 %"]
    assert "1 / 3" in row
    assert 'id="best-hours"' in response.content.decode()
    # Ten more campaigns cost no more queries.
    for n in range(10):
        _sent_campaign(business, owner, f"More {n}")
    with django_assert_max_num_queries(14):
        assert owner_client.get(LIST).status_code == 200


def test_reminder_settings_page_saves_the_rule(owner_client, business):
    url = reverse("campaigns:reminders")
    page = owner_client.get(url)
    assert page.status_code == 200 and 'id="sms-counter"' in page.content.decode()
    response = owner_client.post(
        url,
        {
            "enabled": "on",
            "days_without_sms": "45",
            "template": "We miss you {name}",
            "cap_per_customer": "2",
        },
    )
    assert response.status_code == 302
    rule = ReminderRule.objects.get(business=business)
    assert (rule.enabled, rule.days_without_sms, rule.cap_per_customer) == (True, 45, 2)
    bad = owner_client.post(
        url, {"enabled": "on", "days_without_sms": "0", "template": "", "cap_per_customer": "x"}
    )
    assert bad.status_code == 400


def test_agents_see_the_list_but_cannot_send(client, business, customers, funded):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.get(LIST).status_code == 200
    assert 'id="campaign-new"' not in client.get(LIST).content.decode()
    assert client.post(NEW, _form(action="confirm")).status_code == 403
    assert client.get(reverse("campaigns:reminders")).status_code == 403
    assert not Campaign.objects.exists()


def test_business_b_campaign_ids_are_404_for_a_members(
    owner_client, business, other_business, funded
):
    b_owner = MembershipFactory(business=other_business, role=Role.OWNER).user
    b_customer = CustomerFactory(business=other_business)
    consent_given(b_customer)
    credits_given(other_business, 10)
    b_campaign = services.campaign_save(
        business=other_business,
        actor=b_owner,
        name="B secret",
        body="B only",
        send_at=timezone.now() + timedelta(days=1),
    )
    for name in ("edit", "delete", "resume"):
        url = reverse(f"campaigns:{name}", args=[b_campaign.pk])
        assert owner_client.get(url).status_code in (404, 405)
        assert owner_client.post(url, _form(action="confirm")).status_code == 404
    assert "B secret" not in owner_client.get(LIST).content.decode()
    b_campaign.refresh_from_db()
    assert (b_campaign.status, b_campaign.name) == (CampaignStatus.SCHEDULED, "B secret")


@pytest.mark.parametrize("junk", ["0", "99999999999999999999"])
def test_junk_ids_are_404(owner_client, junk):
    assert owner_client.get(f"/dashboard/campaigns/{junk}/edit/").status_code == 404


def test_list_says_scheduled_for_a_future_campaign_and_sent_only_once_sent(
    owner_client, business, owner, customers, funded
):
    later = timezone.now() + timedelta(days=3)
    scheduled = services.campaign_save(
        business=business, actor=owner, name="Later", body="Soon", send_at=later
    )
    sent = _sent_campaign(business, owner, "Done")

    page = owner_client.get(LIST).content.decode()

    def when(campaign):
        row = page.split(f'id="campaign-{campaign.pk}"')[1].split("</tr>")[0]
        return row.split("data-campaign-when>")[1].split("</td>")[0]

    assert "Scheduled for" in when(scheduled) and "Sent" not in when(scheduled)
    assert when(sent).startswith("Sent ")
    assert "<th>Sent</th>" not in page  # the column is "When", not a "Sent" date for all


def test_list_groups_large_numbers(owner_client, business, owner, customers):
    credits_given(business, 12834)

    page = owner_client.get(LIST).content.decode()

    assert "SMS credits: 12,834" in page


COUNT = reverse("campaigns:audience_count")


def test_live_count_follows_the_filters_in_a_fixed_number_of_queries(
    owner_client, business, customers, django_assert_max_num_queries
):
    # Given three consenting customers, two of them tagged "vip"
    vip = Tag.objects.create(business=business, name="vip")
    for customer in customers[:2]:
        customer.tags.add(vip)
    # When the form asks for the count without and with the tag filter
    everyone = owner_client.get(COUNT, {"channel": "sms"})
    with django_assert_max_num_queries(12) as few:
        tagged = owner_client.get(COUNT, {"channel": "sms", "tags": [str(vip.pk)]})
    for n in range(5):
        consent_given(CustomerFactory(business=business, name=f"V{n}", tags=["vip"]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        more = owner_client.get(COUNT, {"channel": "sms", "tags": [str(vip.pk)]})
    # Then each answer is the audience's size, and more customers cost no more queries
    assert 'data-count="3"' in everyone.content.decode()
    assert 'data-count="2"' in tagged.content.decode()
    assert 'data-count="7"' in more.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"channel": "fax"},
        {"channel": "sms", "rating_min": "9"},
        {"channel": "sms", "rating_min": "5", "rating_max": "1"},
        {"channel": "sms", "tags": ["999999"]},
        {"channel": "sms", "visited_after": "yesterday"},
    ],
)
def test_live_count_with_bad_filters_says_so(owner_client, business, customers, params):
    response = owner_client.get(COUNT, params)
    assert response.status_code == 400
    assert 'id="audience-count-problem"' in response.content.decode()


def test_preview_and_send_respect_the_audience(owner_client, business, customers, funded, settings):
    # Given only Anna gave a 5-star review, and SMS go out at one every 100 seconds
    settings.SMS_RATE_PER_SECOND = 0.01
    Review.objects.create(business=business, customer=customers[0], rating=5)
    data = _form(channel="sms", rating_min="5")
    preview = owner_client.post(NEW, data).content.decode()
    assert 'id="estimate-recipients">1<' in preview
    assert "up to 0.01 per second: about 2 minutes" in preview
    owner_client.post(NEW, {**data, "action": "confirm"})
    campaign = Campaign.objects.get()
    assert campaign.audience == {"rating_min": 5}
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.recipient_count == 1
    assert list(campaign.recipients.values_list("customer_id", flat=True)) == [customers[0].pk]


def test_edit_shows_the_stored_audience(owner_client, business, owner, customers, funded):
    campaign = services.campaign_save(
        business=business,
        actor=owner,
        name="Draft",
        body="Hi",
        draft=True,
        audience={"visited_within_days": 30},
    )
    page = owner_client.get(reverse("campaigns:edit", args=[campaign.pk])).content.decode()
    assert 'name="visited_within_days" value="30"' in page
