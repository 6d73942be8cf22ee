"""Automatic alerts: inactive businesses (no scans for the staff's number of days) and payment
defaults; opened once, emailed to staff once, ended when the condition ends."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.billing.tests.factories import payment_at
from kazan.console.models import Alert, ConsoleSettings
from kazan.console.services import alerts_check
from kazan.console.tests.factories import events_on
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Business
from kazan.tenancy.tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, email="ops@kazan.example")


def _aged(days=60, **kwargs):
    business = BusinessFactory(**kwargs)
    Business.objects.filter(pk=business.pk).update(created_at=timezone.now() - timedelta(days=days))
    return business


def test_a_business_without_scans_for_the_set_days_gets_one_alert_and_staff_one_email(
    staff, django_capture_on_commit_callbacks
):
    quiet = _aged(name="Quiet Quiche")
    events_on(quiet, days_ago=20)
    lively = _aged(name="Lively Latte")
    events_on(lively, days_ago=1)
    _aged(name="Paused Pub", status=Business.Status.SUSPENDED)
    BusinessFactory(name="Brand New")  # too new to be called inactive

    with django_capture_on_commit_callbacks(execute=True):
        opened = alerts_check()
    tasks_run_all()

    assert [(a.business, a.kind) for a in opened] == [(quiet, Alert.Kind.INACTIVE_BUSINESS)]
    assert opened[0].data["days"] == 14
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@kazan.example"]
    assert "Quiet Quiche" in mail.outbox[0].body
    assert Activity.objects.filter(business=quiet, action="alert.opened").exists()

    with django_capture_on_commit_callbacks(execute=True):
        again = alerts_check()
    tasks_run_all()
    assert again == []  # still inactive: no second alert, no second email
    assert len(mail.outbox) == 1
    assert Alert.objects.filter(business=quiet, resolved_at__isnull=True).count() == 1


def test_the_staff_setting_decides_how_many_days_count(staff_client, staff):
    quiet = _aged()
    events_on(quiet, days_ago=20)
    response = staff_client.post("/console/alerts/settings/", {"inactive_after_days": "30"})
    assert response.status_code == 302
    assert ConsoleSettings.objects.get().inactive_after_days == 30
    assert alerts_check() == []
    response = staff_client.post("/console/alerts/settings/", {"inactive_after_days": "0"})
    assert response.status_code == 400
    assert ConsoleSettings.objects.get().inactive_after_days == 30


def test_an_alert_ends_when_scans_come_back(staff):
    quiet = _aged()
    events_on(quiet, days_ago=20)
    (alert,) = alerts_check()
    events_on(quiet)
    alerts_check()
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert Activity.objects.filter(business=quiet, action="alert.ended").exists()


def test_overdue_and_failed_payments_raise_a_payment_default_alert(staff, staff_client):
    owing = _aged(name="Owing Osteria")
    events_on(owing)
    payment = payment_at(
        business=owing, status="pending", created_at=timezone.now() - timedelta(days=20)
    )
    failed_one = _aged(name="Failed Falafel")
    events_on(failed_one)
    payment_at(business=failed_one, status="failed")
    fine = _aged(name="Fine Fondue")
    events_on(fine)
    payment_at(business=fine, status="pending")  # ordered today: not due yet

    opened = {a.business.name: a for a in alerts_check()}

    assert set(opened) == {"Owing Osteria", "Failed Falafel"}
    assert opened["Owing Osteria"].data["payment_ids"] == [payment.pk]
    body = staff_client.get("/console/alerts/").content.decode()
    assert "Owing Osteria" in body and "Payment default" in body


def test_staff_mark_an_alert_as_handled(staff_client, staff_user, business):
    alert = Alert.objects.create(business=business, kind=Alert.Kind.INACTIVE_BUSINESS)
    for page in ("/console/map/", "/console/exports/", "/console/businesses/"):
        assert "data-open-alerts>1<" in staff_client.get(page).content.decode(), page
    response = staff_client.post(f"/console/alerts/{alert.pk}/resolve/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_by == staff_user
    assert Activity.objects.filter(action="alert.resolved", actor=staff_user).exists()
    body = staff_client.get("/console/alerts/?state=resolved").content.decode()
    assert business.name in body
    assert "data-open-alerts" not in body
