"""Per-business terms set by platform staff, their internal log (spec §1.3.2, §1.7.3) and the
package overview the console shows for one business."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.utils import translation

from kazan.activity.models import Activity
from kazan.billing import services
from kazan.billing.models import Subscription, SubscriptionChange
from kazan.billing.queries import (
    package_options,
    package_overview,
    quota_status,
    subscription_changes_for,
)
from kazan.billing.tests.factories import credits_use, payment_at
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.core.testing import run_in_threads_numbered
from kazan.messaging.services import sms_credits_adjust, sms_credits_grant

pytestmark = pytest.mark.django_db


def _change(business, staff_user, allowance=500, price=1500, reason="Loyal customer discount"):
    return services.subscription_terms_change(
        business=business,
        sms_allowance=allowance,
        price_minor=price,
        reason=reason,
        actor=staff_user,
    )


# --- subscription_terms_change --------------------------------------------------------------


def test_staff_change_logs_each_field_old_to_new_with_who_and_why(business, staff_user, packages):
    # given the default Starter terms (200 SMS, 9.00 EUR)
    services.subscription_for(business)

    # when staff give the business 500 SMS for 15.00
    rows = _change(business, staff_user, reason="  Loyal   customer discount ")

    # then one log row per field says old → new, who and why
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("sms_allowance", "200", "500"),
        ("price_minor", "900", "1500"),
    ]
    assert {r.changed_by for r in rows} == {staff_user}
    assert {r.reason for r in rows} == {"Loyal customer discount"}
    assert {r.payment for r in rows} == {None}
    subscription = Subscription.objects.get(business=business)
    assert (subscription.sms_allowance, subscription.price_minor) == (500, 1500)
    assert subscription.currency == "EUR"
    # and the activity log has the numbers and the change ids (no reason text: it may hold
    # personal data)
    activity = Activity.objects.get(business=business, action="subscription.terms_changed")
    assert activity.actor == staff_user
    assert activity.actor_kind == "staff"
    assert activity.data == {
        "old": {"sms_allowance": 200, "price_minor": 900},
        "new": {"sms_allowance": 500, "price_minor": 1500},
        "currency": "EUR",
        "change_ids": [r.pk for r in rows],
    }


def test_only_the_changed_field_is_logged(business, staff_user, packages):
    services.subscription_for(business)

    rows = _change(business, staff_user, allowance=200, price=0, reason="Free for a pilot")

    assert [(r.field, r.old_value, r.new_value) for r in rows] == [("price_minor", "900", "0")]


def test_setting_the_same_terms_again_writes_nothing(business, staff_user, packages):
    # given terms already at 500 / 15.00
    _change(business, staff_user)
    before = SubscriptionChange.objects.count()

    # when staff save the same numbers again
    rows = _change(business, staff_user, reason="No change really")

    # then nothing is written
    assert rows == []
    assert SubscriptionChange.objects.count() == before
    assert Activity.objects.filter(action="subscription.terms_changed").count() == 1


def test_the_subscription_is_created_when_missing(business, staff_user, packages):
    assert not Subscription.objects.filter(business=business).exists()

    rows = _change(business, staff_user)

    assert len(rows) == 2
    assert Subscription.objects.get(business=business).sms_allowance == 500


def test_digits_from_a_form_are_accepted(business, staff_user, packages):
    rows = _change(business, staff_user, allowance=" 750 ", price="1200")

    assert [r.new_value for r in rows] == ["750", "1200"]


def test_a_business_member_may_not_change_terms(business, owner, packages):
    services.subscription_for(business)

    with pytest.raises(PermissionDenied):
        _change(business, owner)

    assert Subscription.objects.get(business=business).sms_allowance == 200
    assert not SubscriptionChange.objects.exists()


def test_an_anonymous_actor_may_not_change_terms(business, packages):
    with pytest.raises(PermissionDenied):
        _change(business, None)


@pytest.mark.parametrize(
    ("allowance", "price", "reason", "code", "words"),
    [
        (-1, 900, "ok reason", "invalid_sms_allowance", "SMS per month"),
        (1_000_001, 900, "ok reason", "invalid_sms_allowance", "1,000,000"),
        ("many", 900, "ok reason", "invalid_sms_allowance", "whole number"),
        (1.5, 900, "ok reason", "invalid_sms_allowance", "whole number"),
        (True, 900, "ok reason", "invalid_sms_allowance", "whole number"),
        (None, 900, "ok reason", "invalid_sms_allowance", "whole number"),
        ("²", 900, "ok reason", "invalid_sms_allowance", "whole number"),
        (200, -5, "ok reason", "invalid_price", "price"),
        (200, 100_000_001, "ok reason", "invalid_price", "100,000,000"),
        (200, "9.00", "ok reason", "invalid_price", "cents"),
        (200, 900, "", "invalid_reason", "Say why"),
        (200, 900, " ab ", "invalid_reason", "3 to 500"),
        (200, 900, "x" * 501, "invalid_reason", "3 to 500"),
        (200, 900, None, "invalid_reason", "Say why"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    business, staff_user, packages, allowance, price, reason, code, words
):
    services.subscription_for(business)

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        _change(business, staff_user, allowance=allowance, price=price, reason=reason)

    assert refused.value.code == code
    assert words in str(refused.value.message)
    assert not SubscriptionChange.objects.exists()


def test_the_limits_themselves_are_allowed(business, staff_user, packages):
    rows = _change(business, staff_user, allowance=1_000_000, price=100_000_000, reason="max")

    assert [r.new_value for r in rows] == ["1000000", "100000000"]


def test_the_log_is_append_only(business, staff_user, packages):
    row = _change(business, staff_user)[0]

    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        SubscriptionChange.objects.filter(pk=row.pk).update(reason="edited")
    with pytest.raises(TypeError):
        SubscriptionChange.objects.all().delete()


def test_deleting_the_business_takes_its_log_along(business, staff_user, packages):
    _change(business, staff_user)

    business.delete()

    assert not SubscriptionChange.objects.exists()


def test_changes_for_lists_newest_first_with_the_author(
    business, other_business, staff_user, packages, django_assert_num_queries
):
    # given two changes of this business and one of another
    _change(business, staff_user, allowance=300, price=900, reason="first")
    _change(business, staff_user, allowance=400, price=900, reason="second")
    _change(other_business, staff_user, reason="elsewhere")

    # when the console lists this business's log
    with django_assert_num_queries(1):
        rows = list(subscription_changes_for(business=business))
        authors = {row.changed_by.email for row in rows}

    # then newest first, only this business, the author loaded with them
    assert [(r.old_value, r.new_value) for r in rows] == [("300", "400"), ("200", "300")]
    assert authors == {staff_user.email}


def test_buying_a_package_logs_the_switch_with_its_payment(business, owner, staff_user, packages):
    # given staff-made terms
    _change(business, staff_user, allowance=500, price=1500)

    # when the business buys Pro and staff confirm the manual payment
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner
    ).payment
    services.payment_confirm(payment=payment, actor=staff_user)

    # then the switch to the package's terms is in the log, naming the payment
    rows = list(subscription_changes_for(business=business).filter(payment=payment))
    assert sorted((r.field, r.old_value, r.new_value) for r in rows) == [
        ("package", "starter", "pro"),
        ("price_minor", "1500", "9900"),
        ("sms_allowance", "500", "5000"),
    ]
    assert {r.changed_by for r in rows} == {staff_user}
    assert all(str(payment.pk) in r.reason for r in rows)


def test_admin_shows_terms_read_only_and_the_log_without_edits(rf, staff_user):
    from kazan.billing.models import Subscription as Model

    subscription_admin = admin.site._registry[Model]
    request = rf.get("/")
    request.user = staff_user
    readonly = subscription_admin.get_readonly_fields(request)
    assert {"sms_allowance", "price_minor", "currency", "package"} <= set(readonly)

    log_admin = admin.site._registry[SubscriptionChange]
    assert not log_admin.has_add_permission(request)
    assert not log_admin.has_change_permission(request)
    assert not log_admin.has_delete_permission(request)


# --- staff credit corrections: messaging's sms_credits_adjust ---------------------------------


def test_a_credit_correction_records_who_and_why(business, staff_user, packages):
    """The console's one-off correction is messaging.services.sms_credits_adjust (staff only,
    a note required): the ledger entry keeps the author and the note."""
    sms_credits_grant(business=business, amount=10, actor=None)

    entry = sms_credits_adjust(
        business=business, amount=-3, actor=staff_user, note="Double-charged campaign"
    )

    assert (entry.actor, entry.note, entry.amount) == (staff_user, "Double-charged campaign", -3)
    assert Activity.objects.filter(
        business=business, action="sms_credits.adjusted", actor=staff_user
    ).exists()


# --- package_overview -------------------------------------------------------------------------


def test_package_overview_counts_booked_used_and_remaining_of_the_period(
    business, owner, staff_user, packages, time_machine
):
    # given last month's 200 SMS of which 50 were used (carried over: 150)
    time_machine.move_to(datetime(2026, 2, 10, 9, 0, tzinfo=UTC), tick=False)
    services.allowance_grant(business=business)
    credits_use(business=business, granted=0, used=50)
    # and this month: the allowance, a bought Business package, a staff correction, 30 sent
    time_machine.move_to(datetime(2026, 3, 1, 0, 30, tzinfo=UTC), tick=False)
    services.allowance_grant(business=business)
    time_machine.move_to(datetime(2026, 3, 5, 12, 0, tzinfo=UTC), tick=False)
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment
    services.payment_confirm(payment=payment, actor=staff_user)
    sms_credits_adjust(business=business, amount=-20, actor=staff_user, note="correction")
    credits_use(business=business, granted=0, used=30)

    # when staff open the business's package page
    with translation.override("en"):
        overview = package_overview(business=business)

    # then booked = 200 (allowance) + 1000 (bought) - 20 (correction); used = 30
    assert overview.package_key == "business"
    assert overview.sms_allowance == 1000
    assert overview.period_start == datetime(2026, 3, 1, tzinfo=UTC)
    assert overview.sms_booked == 1180
    assert overview.sms_used == 30
    assert overview.carried_over == 150
    assert overview.sms_remaining == 150 + 1180 - 30
    assert (overview.price_minor, overview.currency) == (2900, "EUR")
    assert overview.price_display == "€29.00"
    assert overview.last_paid_at == datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    assert overview.has_subscription


def test_package_overview_of_a_business_without_subscription(business, packages):
    overview = package_overview(business=business)

    assert not overview.has_subscription
    assert (overview.package_key, overview.sms_allowance) == ("starter", 200)
    assert (overview.sms_booked, overview.sms_used, overview.sms_remaining) == (0, 0, 0)
    assert overview.last_paid_at is None
    assert not Subscription.objects.exists()


def test_package_overview_shows_the_newest_paid_payment_only(business, packages):
    now = datetime(2026, 3, 5, tzinfo=UTC)
    payment_at(business=business, created_at=now - timedelta(days=40))
    payment_at(business=business, created_at=now - timedelta(days=10))
    payment_at(business=business, status="failed", created_at=now - timedelta(days=1))

    overview = package_overview(business=business)

    assert overview.last_paid_at == now - timedelta(days=10)


# --- concurrency --------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_form_an_unbroken_chain(business, staff_user, packages):
    """8 staff change one business's terms at the same moment: each change waits for the
    previous one, so every log row's old value is the previous row's new value."""
    services.subscription_for(business)
    threads = 8
    results = run_in_threads_numbered(
        threads,
        lambda n: services.subscription_terms_change(
            business=business,
            sms_allowance=1000 + n,
            price_minor=5000 + n,
            reason=f"thread {n}",
            actor=staff_user,
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    subscription = Subscription.objects.get(business=business)
    for field, start, final in (
        ("sms_allowance", "200", str(subscription.sms_allowance)),
        ("price_minor", "900", str(subscription.price_minor)),
    ):
        rows = list(
            SubscriptionChange.objects.filter(business=business, field=field).order_by("id")
        )
        assert len(rows) == threads
        assert rows[0].old_value == start
        for earlier, later in itertools.pairwise(rows):
            assert later.old_value == earlier.new_value
        assert rows[-1].new_value == final
    # each thread's two rows were written together
    by_reason = {}
    for row in SubscriptionChange.objects.filter(business=business):
        by_reason.setdefault(row.reason, set()).add(row.new_value[-1])
    assert all(len(values) == 1 for values in by_reason.values())
    assert Activity.objects.filter(action="subscription.terms_changed").count() == threads


def test_booked_this_period_counts_only_this_period_and_explains_itself(
    business, owner, staff_user, packages, time_machine
):
    # given a Starter (200) business that bought Starter twice in November, before its first
    # monthly allowance ever ran
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
    services.subscription_for(business)
    for _ in range(2):
        payment = services.package_upgrade_start(
            business=business, package=packages["starter"], actor=owner
        ).payment
        services.payment_confirm(payment=payment, actor=staff_user)
    # when December's allowance is its first grant and it buys Starter once more
    time_machine.move_to(datetime(2026, 12, 1, 0, 10, tzinfo=UTC), tick=False)
    services.allowance_grant(business=business)
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), tick=False)
    payment = services.package_upgrade_start(
        business=business, package=packages["starter"], actor=owner
    ).payment
    services.payment_confirm(payment=payment, actor=staff_user)

    overview = package_overview(business=business)

    # then December's period holds the allowance and one purchase, not November's two
    assert overview.period_start == datetime(2026, 12, 1, tzinfo=UTC)
    assert overview.sms_booked == 400
    assert (overview.booked_allowance, overview.booked_purchased, overview.booked_other) == (
        200,
        200,
        0,
    )
    assert overview.carried_over == 400
    assert overview.sms_remaining == 800


def test_custom_terms_are_named_custom_not_the_package(business, staff_user, packages):
    services.subscription_for(business)
    services.subscription_terms_change(
        business=business,
        sms_allowance=300,
        price_minor=900,
        reason="bigger cafe",
        actor=staff_user,
    )

    with translation.override("en"):
        assert package_overview(business=business).package_name == "Custom"
        status = quota_status(business=business)
    assert (status.package_name, status.allowance, status.is_custom) == ("Custom", 300, True)
    assert not any(option.is_current for option in package_options(business=business))
