"""The billing pages: quota, upgrade dialog, payment pages, the staff confirm page, and tenant
isolation (a member of A can neither see nor pay for B)."""

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from kazan.accounts.tests.staff import staff_sign_in
from kazan.billing import services
from kazan.billing.admin import PaymentAdmin
from kazan.billing.models import Payment
from kazan.billing.tests.factories import credits_use
from kazan.messaging.queries import sms_balance
from kazan.tenancy.models import Business, Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _member_client(client, business, role):
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client


def test_the_page_shows_package_allowance_price_used_and_remaining(
    owner_client, business, packages
):
    credits_use(business=business, granted=100, used=30)

    response = owner_client.get("/dashboard/billing/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-quota="package">Starter<' in page
    assert 'data-quota="allowance">200<' in page
    assert 'data-quota="price">€9.00<' in page
    assert 'data-quota="used">30<' in page
    assert 'data-quota="remaining">70<' in page
    assert "<dialog" in page and 'data-package="pro"' in page
    assert "€99.00" in page  # the Pro option


def test_prices_follow_the_business_locale(client, business, packages):
    Business.objects.filter(pk=business.pk).update(language="de")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    owner.language = "de"
    owner.save()
    client.force_login(owner)

    page = client.get("/dashboard/billing/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "29,00\u00a0€" in page


def test_members_without_billing_manage_see_the_quota_but_cannot_upgrade(
    client, business, packages
):
    manager = _member_client(client, business, Role.MANAGER)
    page = manager.get("/dashboard/billing/").content.decode()
    assert 'data-quota="remaining"' in page
    assert "<dialog" not in page

    response = manager.post("/dashboard/billing/upgrade/", {"package": packages["pro"].pk})
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_upgrade_with_the_manual_gateway(owner_client, business, packages, staff_user):
    services.bank_details_update(
        recipient="Kazan GmbH",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        bank_name="Commerzbank",
        actor=staff_user,
    )
    response = owner_client.post("/dashboard/billing/upgrade/", {"package": packages["pro"].pk})

    payment = Payment.objects.get(business=business)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/billing/payments/{payment.pk}/"
    detail = owner_client.get(response["Location"]).content.decode()
    assert "Pending" in detail and f"Kazan {payment.pk}" in detail
    assert "DE89 3704 0044 0532 0130 00" in detail
    assert payment.status == "pending" and sms_balance(business=business) == 0
    history = owner_client.get("/dashboard/billing/").content.decode()
    assert f'data-payment="{payment.pk}"' in history


@pytest.mark.parametrize("package", ["", "abc", "-1", "0", "99999999999999999999", "999999"])
def test_a_bad_package_is_a_clear_400(owner_client, business, packages, package):
    response = owner_client.post("/dashboard/billing/upgrade/", {"package": package})
    assert response.status_code == 400
    assert "Choose one of the packages." in response.content.decode()
    assert not Payment.objects.exists()


def test_an_inactive_package_is_refused(owner_client, business, packages):
    packages["pro"].active = False
    packages["pro"].save()
    response = owner_client.post("/dashboard/billing/upgrade/", {"package": packages["pro"].pk})
    assert response.status_code == 400


def test_the_owner_cancels_a_pending_manual_order(owner_client, business, owner, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner
    ).payment
    url = f"/dashboard/billing/payments/{payment.pk}/cancel/"

    assert owner_client.post(url).status_code == 302
    assert owner_client.post(url).status_code == 409  # not pending any more
    payment.refresh_from_db()
    assert payment.status == "cancelled"


def test_staff_confirm_page(client, business, owner, staff_user, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment
    url = f"/dashboard/billing/payments/{payment.pk}/confirm/"

    client.force_login(owner)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert sms_balance(business=business) == 0

    staff_sign_in(client, staff_user)
    assert "Confirm: the money arrived" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # again: still credited once
    assert sms_balance(business=business) == 1000
    assert Payment.objects.get(pk=payment.pk).confirmed_by == staff_user
    assert client.get("/dashboard/billing/payments/999999/confirm/").status_code == 404


def test_admin_action_confirms_manual_payments(business, owner, staff_user, packages):
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment
    request = RequestFactory().post("/admin/billing/payment/")
    request.user = staff_user
    request.session = {}
    request._messages = FallbackStorage(request)
    admin = PaymentAdmin(Payment, AdminSite())

    admin.confirm_payments(request, Payment.objects.filter(pk=payment.pk))
    admin.confirm_payments(request, Payment.objects.filter(pk=payment.pk))

    assert sms_balance(business=business) == 1000


# --- tenant isolation ---------------------------------------------------------------------------


@pytest.fixture
def b_payment(other_business, packages):
    b_owner = MembershipFactory(business=other_business, role=Role.OWNER).user
    return services.package_upgrade_start(
        business=other_business, package=packages["pro"], actor=b_owner
    ).payment


def test_a_member_of_a_cannot_see_or_cancel_bs_payment(owner_client, b_payment, business):
    for url in (
        f"/dashboard/billing/payments/{b_payment.pk}/",
        f"/dashboard/billing/payments/{b_payment.pk}/?checkout=success",
    ):
        assert owner_client.get(url).status_code == 404
    assert (
        owner_client.post(f"/dashboard/billing/payments/{b_payment.pk}/cancel/").status_code == 404
    )
    assert (
        owner_client.post(f"/dashboard/billing/payments/{b_payment.pk}/confirm/").status_code == 404
    )
    b_payment.refresh_from_db()
    assert b_payment.status == "pending"


def test_a_member_of_a_never_sees_bs_history_or_pays_for_b(
    owner_client, b_payment, business, other_business, packages
):
    page = owner_client.get("/dashboard/billing/").content.decode()
    assert f'data-payment="{b_payment.pk}"' not in page

    # Naming B in the form changes nothing: the business is the member's own.
    owner_client.post(
        "/dashboard/billing/upgrade/",
        {"package": packages["business"].pk, "business": other_business.pk},
    )
    assert Payment.objects.filter(business=other_business).count() == 1
    assert Payment.objects.filter(business=business).count() == 1


def test_quota_banner_tag_renders_for_the_current_business(business, packages):
    from django.template import Context, Template

    credits_use(business=business, granted=10, used=10)
    membership = MembershipFactory(business=business, role=Role.AGENT)
    html = Template("{% load billing %}{% quota_banner %}").render(
        Context({"business": business, "membership": membership})
    )
    assert 'data-quota-warning="empty"' in html
    assert "Upgrade your package" not in html  # agents cannot buy
    assert Template("{% load billing %}{% quota_banner %}").render(Context({})).strip() == ""


def test_upgrade_dialog_shows_custom_terms_as_current_not_the_package(
    owner_client, business, staff_user, packages
):
    services.subscription_for(business)
    services.subscription_terms_change(
        business=business, sms_allowance=300, price_minor=1200, reason="deal", actor=staff_user
    )

    page = owner_client.get("/dashboard/billing/").content.decode()

    dialog = page[page.index("<dialog") : page.index("</dialog>")]
    assert 'data-package="custom"' in dialog
    custom = dialog[dialog.index('data-package="custom"') : dialog.index('data-package="starter"')]
    assert "300 SMS per month" in custom and "current" in custom and "€12.00" in custom
    starter = dialog[dialog.index('data-package="starter"') :]
    assert "current" not in starter[: starter.index("</li>")]
