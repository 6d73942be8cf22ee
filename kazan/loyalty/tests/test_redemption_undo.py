"""Issue 9 (18): the voucher counter lists today's redemptions and undoes a mistaken one within
VOUCHER_UNDO_MINUTES — once, for this business's staff only, with an activity row."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.analytics.models import EventKind
from kazan.core.errors import Conflict, NotFound
from kazan.core.testing import run_in_threads
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Voucher
from kazan.loyalty.queries import redemptions_today
from kazan.loyalty.services import (
    voucher_campaign_issue,
    voucher_check,
    voucher_redeem,
    voucher_redemption_undo,
)
from kazan.loyalty.tests.test_vouchers import _count
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _redeemed(business, actor, name="Anna") -> Voucher:
    customer = CustomerFactory(business=business, name=name)
    voucher = voucher_campaign_issue(
        business=business, customer=customer, discount_text="10 %", valid_days=7
    )
    return voucher_redeem(business=business, code=voucher.code, actor=actor).voucher


@pytest.fixture
def agent(business):
    return MembershipFactory(business=business, role=Role.AGENT).user


def test_undo_makes_the_voucher_valid_again_and_is_logged(business, owner, agent):
    voucher = _redeemed(business, owner)
    assert _count(business, EventKind.VOUCHER_REDEEMED) == 1

    voucher_redemption_undo(
        business=business, voucher_id=voucher.pk, redeemed_at=voucher.redeemed_at, actor=agent
    )

    assert voucher_check(business=business, code=voucher.code).state == "valid"
    row = Activity.objects.get(action="voucher.redemption_undone")
    assert row.actor_id == agent.pk and row.target_id == str(voucher.pk)
    assert row.data["redeemed_by"] == owner.pk
    assert _count(business, EventKind.VOUCHER_REDEEMED) == 0  # the figures forget it too


def test_an_undo_cannot_happen_twice(business, owner):
    voucher = _redeemed(business, owner)
    at = voucher.redeemed_at
    voucher_redemption_undo(business=business, voucher_id=voucher.pk, redeemed_at=at, actor=owner)
    with pytest.raises(Conflict):
        voucher_redemption_undo(
            business=business, voucher_id=voucher.pk, redeemed_at=at, actor=owner
        )
    assert Activity.objects.filter(action="voucher.redemption_undone").count() == 1


def test_a_stale_undo_does_not_undo_a_new_redemption(business, owner):
    voucher = _redeemed(business, owner)
    first = voucher.redeemed_at
    voucher_redemption_undo(
        business=business, voucher_id=voucher.pk, redeemed_at=first, actor=owner
    )
    again = voucher_redeem(business=business, code=voucher.code, actor=owner).voucher
    with pytest.raises(Conflict):
        voucher_redemption_undo(
            business=business, voucher_id=voucher.pk, redeemed_at=first, actor=owner
        )
    assert voucher_check(business=business, code=again.code).state == "redeemed"


def test_no_undo_after_the_window(business, owner, settings):
    settings.VOUCHER_UNDO_MINUTES = 5
    voucher = _redeemed(business, owner)
    late = timezone.now() - timedelta(minutes=5, seconds=1)
    Voucher.objects.filter(pk=voucher.pk).update(redeemed_at=late)
    with pytest.raises(Conflict):
        voucher_redemption_undo(
            business=business, voucher_id=voucher.pk, redeemed_at=late, actor=owner
        )
    assert voucher_check(business=business, code=voucher.code).state == "redeemed"


def test_another_business_cannot_undo(business, other_business, owner):
    voucher = _redeemed(business, owner)
    with pytest.raises(NotFound):
        voucher_redemption_undo(
            business=other_business,
            voucher_id=voucher.pk,
            redeemed_at=voucher.redeemed_at,
            actor=owner,
        )


def test_the_counter_lists_today_s_redemptions_of_this_business_only(
    client, business, other_business, owner, agent
):
    mine = _redeemed(business, owner, name="Anna")
    other_owner = MembershipFactory(business=other_business, role=Role.OWNER).user
    theirs = _redeemed(other_business, other_owner, name="Zed")
    yesterday = _redeemed(business, owner, name="Old")
    Voucher.objects.filter(pk=yesterday.pk).update(redeemed_at=timezone.now() - timedelta(days=2))
    assert [v.pk for v in redemptions_today(business=business)] == [mine.pk]

    client.force_login(agent)
    html = client.get(reverse("vouchers:counter")).text
    assert mine.code in html and str(owner) in html and "Anna" in html
    assert theirs.code not in html and yesterday.code not in html
    assert "undo-button" in html


def test_an_agent_undoes_through_htmx_and_the_list_refreshes(client, business, owner, agent):
    voucher = _redeemed(business, owner)
    client.force_login(agent)
    url = reverse("vouchers:redemption_undo", args=[voucher.pk])
    response = client.post(url, {"redeemed_at": voucher.redeemed_at.isoformat()}, **HTMX)
    assert response.status_code == 200
    assert 'data-state="undone"' in response.text and "<html" not in response.text
    assert voucher.code not in response.text  # no longer among today's redemptions
    again = client.post(url, {"redeemed_at": voucher.redeemed_at.isoformat()}, **HTMX)
    assert again.status_code == 409
    assert 'data-state="undo-error"' in again.text


@pytest.mark.parametrize("bad", ["", "yesterday", "2026-01-01T00:00:00", "x" * 1000])
def test_a_malformed_redemption_time_is_a_clear_400(client, business, owner, bad):
    voucher = _redeemed(business, owner)
    client.force_login(owner)
    url = reverse("vouchers:redemption_undo", args=[voucher.pk])
    response = client.post(url, {"redeemed_at": bad}, **HTMX)
    assert response.status_code == 400
    assert voucher_check(business=business, code=voucher.code).state == "redeemed"


def test_a_member_of_another_business_gets_404_and_undoes_nothing(
    client, business, other_business, owner
):
    voucher = _redeemed(business, owner)
    client.force_login(MembershipFactory(business=other_business, role=Role.OWNER).user)
    url = reverse("vouchers:redemption_undo", args=[voucher.pk])
    response = client.post(url, {"redeemed_at": voucher.redeemed_at.isoformat()}, **HTMX)
    assert response.status_code == 404
    assert voucher_check(business=business, code=voucher.code).state == "redeemed"


def test_a_redemption_asks_htmx_to_refresh_the_list(client, business, owner):
    voucher = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )
    client.force_login(owner)
    response = client.post(reverse("vouchers:redeem"), {"code": voucher.code}, **HTMX)
    assert response["HX-Trigger"] == "redemptions-changed"
    listing = client.get(reverse("vouchers:redemptions"), **HTMX)
    assert voucher.code in listing.text and 'id="recent-redemptions"' in listing.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_tills_undoing_at_once_undo_once(business, owner):
    voucher = _redeemed(business, owner)

    def undo():
        try:
            voucher_redemption_undo(
                business=business,
                voucher_id=voucher.pk,
                redeemed_at=voucher.redeemed_at,
                actor=owner,
            )
        except Conflict:
            return "conflict"
        return "undone"

    results = run_in_threads(8, undo)

    assert sorted(results) == ["conflict"] * 7 + ["undone"]
    assert Activity.objects.filter(action="voucher.redemption_undone").count() == 1
    assert _count(business, EventKind.VOUCHER_REDEEMED) == 0


def test_without_javascript_an_undo_redirects_and_a_refused_one_is_a_4xx_page(
    client, business, owner
):
    voucher = _redeemed(business, owner)
    client.force_login(owner)
    url = reverse("vouchers:redemption_undo", args=[voucher.pk])
    data = {"redeemed_at": voucher.redeemed_at.isoformat()}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 409
    assert "<html" in again.text and 'data-state="undo-error"' in again.text
