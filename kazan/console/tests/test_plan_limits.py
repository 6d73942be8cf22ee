"""Staff give one business custom limits on its console page ("Plan limits"): they win over
its plan's and are logged with the reason; members of a business cannot reach the form."""

import pytest

from kazan.accounts.tests.staff import staff_sign_in
from kazan.billing.models import Plan, PlanChange, PlanSubscription
from kazan.core.entitlements import Capability, Limit, Quota, plan_has, plan_limit
from kazan.faq.tests.factories import faq_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    staff_sign_in(client, staff_user)  # with the second factor, as the console requires
    return client


def _url(business) -> str:
    return f"/console/businesses/{business.pk}/plan-limits/"


def test_the_page_shows_usage_and_staff_set_custom_limits(staff_client, business):
    faq_make(business)
    page = staff_client.get(f"/console/businesses/{business.pk}/")
    assert 'id="plan-limits-form"' in page.text and 'id="plan-usage"' in page.text
    assert "<td>FAQs</td><td>1</td><td>500</td>" in page.text  # the trial's plan
    response = staff_client.post(
        _url(business),
        {"faqs": "20", "unlimited": ["messages"], "api_access": "yes", "reason": "contract"},
    )
    assert response.status_code == 302
    assert plan_limit(business=business, key=Limit.FAQS) == 20
    assert plan_limit(business=business, key=Quota.MESSAGES) is None
    assert plan_has(business=business, key=Capability.API_ACCESS)
    change = PlanChange.objects.get(business=business, kind="terms_changed")
    assert change.reason == "contract"
    page = staff_client.get(f"/console/businesses/{business.pk}/")
    assert 'name="faqs" value="20"' in page.text
    # Empty again: back to the plan's.
    assert staff_client.post(_url(business), {"reason": "end of contract"}).status_code == 302
    assert plan_limit(business=business, key=Limit.FAQS) == 500


@pytest.mark.parametrize(
    "data",
    [
        {"faqs": "-1", "reason": "x"},
        {"faqs": "many", "reason": "x"},
        {"faqs": "5"},  # no reason
        {"api_access": "maybe", "reason": "x"},
        {"unlimited": ["nope"], "reason": "x"},
        {"analytics_days": "0", "reason": "x"},  # would delete all analytics history
    ],
)
def test_bad_limits_are_refused_with_the_form_again(staff_client, business, data):
    response = staff_client.post(_url(business), data)
    assert response.status_code == 400 and 'id="plan-limits-form"' in response.text
    assert not PlanChange.objects.filter(business=business, kind="terms_changed").exists()


def test_a_business_owner_cannot_change_the_limits(owner_client, business):
    response = owner_client.post(_url(business), {"faqs": "9999", "reason": "mine"})
    assert response.status_code == 404
    assert plan_limit(business=business, key=Limit.FAQS) != 9999


def test_the_plans_numbers_in_the_help_are_written_the_local_way(staff_client, business):
    from kazan.billing.testing import limits_give

    limits_give(business, messages=None)  # the subscription, on the trial plan
    PlanSubscription.objects.filter(business=business).update(limit_overrides={})
    plan = PlanSubscription.objects.get(business=business).plan
    Plan.objects.filter(pk=plan.pk).update(messages_monthly=20000)
    page = staff_client.get(f"/console/businesses/{business.pk}/")
    assert "Empty: the plan&#x27;s (20,000)." in page.text or "Empty: the plan's (20,000)." in (
        page.text
    )
    assert "(20000)" not in page.text
