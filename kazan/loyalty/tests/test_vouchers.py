"""Vouchers: the welcome gift once per customer, codes, expiry, redemption once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.analytics.models import DailyCount, EventKind
from kazan.core.testing import run_in_threads
from kazan.customers.services import customer_erase, customer_export
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Voucher
from kazan.loyalty.services import (
    CODE_ALPHABET,
    CODE_LENGTH,
    voucher_campaign_issue,
    voucher_check,
    voucher_code_normalize,
    voucher_redeem,
    voucher_welcome_issue,
)

pytestmark = pytest.mark.django_db


def _count(business, kind) -> int:
    return sum(
        DailyCount.objects.filter(business=business, kind=kind).values_list("count", flat=True)
    )


def test_welcome_gift_is_issued_once_per_customer(business):
    anna = CustomerFactory(business=business)
    business.voucher_discount_text = "Free coffee"
    business.voucher_validity_days = 14

    first, issued = voucher_welcome_issue(business=business, customer=anna)
    again, issued_again = voucher_welcome_issue(business=business, customer=anna)

    assert issued is True and issued_again is False
    assert again.pk == first.pk
    assert Voucher.objects.filter(business=business, customer=anna).count() == 1
    assert first.discount_text == "Free coffee"
    assert timedelta(days=13) < first.expires_at - timezone.now() <= timedelta(days=14)
    assert _count(business, EventKind.VOUCHER_ISSUED) == 1
    assert Activity.objects.filter(action="voucher.issued").count() == 1


def test_welcome_gift_is_per_business(business, other_business):
    anna = CustomerFactory(business=business)
    bert = CustomerFactory(business=other_business)
    mine, _ = voucher_welcome_issue(business=business, customer=anna)
    theirs, _ = voucher_welcome_issue(business=other_business, customer=bert)
    assert mine.pk != theirs.pk
    assert voucher_check(business=other_business, code=mine.code).state == "unknown"


def test_database_refuses_a_second_welcome_gift(business):
    from django.db import IntegrityError, transaction

    anna = CustomerFactory(business=business)
    voucher_welcome_issue(business=business, customer=anna)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.create(
            business=business,
            customer=anna,
            kind=Voucher.Kind.WELCOME,
            code="ZZZZZZZZ",
            discount_text="x",
            expires_at=timezone.now(),
        )


def test_campaign_vouchers_may_be_many(business):
    anna = CustomerFactory(business=business)
    voucher_welcome_issue(business=business, customer=anna)
    for _ in range(2):
        voucher_campaign_issue(business=business, customer=anna, discount_text="5 €", valid_days=7)
    assert Voucher.objects.filter(business=business, customer=anna).count() == 3


def test_codes_use_the_unambiguous_alphabet(business):
    voucher = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )
    assert len(voucher.code) == CODE_LENGTH
    assert set(voucher.code) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(voucher.code)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("abcd-efgh", "ABCDEFGH"),
        ("  ab cd ef gh \n", "ABCDEFGH"),
        ("AB-CD-EF-GH", "ABCDEFGH"),
        ("", ""),
        (None, ""),
        ("x" * 40, "X" * 16),
    ],
)
def test_code_normalization(typed, stored):
    assert voucher_code_normalize(typed) == stored


def test_check_finds_a_code_however_it_was_typed(business):
    voucher = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )
    typed = f" {voucher.code[:4].lower()}-{voucher.code[4:].lower()} "
    check = voucher_check(business=business, code=typed)
    assert check.state == "valid" and check.voucher.pk == voucher.pk


def test_check_states(business, owner):
    valid = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )
    expired = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )
    Voucher.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    used = voucher_campaign_issue(business=business, customer=None, discount_text="x", valid_days=1)
    voucher_redeem(business=business, code=used.code, actor=owner)

    assert voucher_check(business=business, code=valid.code).state == "valid"
    assert voucher_check(business=business, code=expired.code).state == "expired"
    redeemed = voucher_check(business=business, code=used.code)
    assert redeemed.state == "redeemed" and redeemed.voucher.redeemed_by == owner
    assert voucher_check(business=business, code="NOPE2345").state == "unknown"
    assert voucher_check(business=business, code="--").state == "unknown"


def test_redeem_once_then_already_used(business, owner):
    voucher = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )

    first = voucher_redeem(business=business, code=voucher.code.lower(), actor=owner)
    second = voucher_redeem(business=business, code=voucher.code, actor=owner)

    assert first.state == "valid" and first.voucher.redeemed_at is not None
    assert second.state == "redeemed"
    assert _count(business, EventKind.VOUCHER_REDEEMED) == 1
    entry = Activity.objects.get(action="voucher.redeemed")
    assert entry.actor == owner and entry.data == {"kind": "campaign"}


def test_an_expired_voucher_cannot_be_redeemed(business, owner):
    voucher = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert voucher_redeem(business=business, code=voucher.code, actor=owner).state == "expired"
    voucher.refresh_from_db()
    assert voucher.redeemed_at is None


def test_redeeming_another_business_code_is_not_found(business, other_business, owner):
    from kazan.core.errors import NotFound

    theirs = voucher_campaign_issue(
        business=other_business, customer=None, discount_text="x", valid_days=1
    )
    with pytest.raises(NotFound):
        voucher_redeem(business=business, code=theirs.code, actor=owner)
    theirs.refresh_from_db()
    assert theirs.redeemed_at is None


def test_gdpr_export_lists_and_erasure_unlinks_vouchers(business, owner):
    anna = CustomerFactory(business=business)
    voucher, _ = voucher_welcome_issue(business=business, customer=anna)

    exported = customer_export(business=business, customer=anna, actor=owner)
    assert exported["vouchers"][0]["code"] == voucher.code
    assert exported["events"][0]["kind"] == EventKind.VOUCHER_ISSUED

    customer_erase(business=business, customer=anna, actor=owner)
    voucher.refresh_from_db()
    assert voucher.customer is None  # the code and the counts stay, the person goes
    from kazan.analytics.models import Event

    assert not Event.objects.filter(customer=anna).exists()
    assert _count(business, EventKind.VOUCHER_ISSUED) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_welcome_requests_issue_one_gift(business):
    """Eight requests for the same customer's welcome gift at once: one voucher, one issued."""
    anna = CustomerFactory(business=business)

    results = run_in_threads(8, lambda: voucher_welcome_issue(business=business, customer=anna))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({voucher.pk for voucher, _ in results}) == 1
    assert sum(1 for _, issued in results if issued) == 1
    assert Voucher.objects.filter(business=business, customer=anna).count() == 1
    assert _count(business, EventKind.VOUCHER_ISSUED) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tills_redeeming_at_once_redeem_once(business, owner):
    """Eight tills press "redeem" on the same code at the same moment: exactly one succeeds."""
    voucher = voucher_campaign_issue(
        business=business, customer=None, discount_text="x", valid_days=1
    )

    results = run_in_threads(
        8, lambda: voucher_redeem(business=business, code=voucher.code, actor=owner).state
    )

    assert sorted(results) == ["redeemed"] * 7 + ["valid"]
    assert _count(business, EventKind.VOUCHER_REDEEMED) == 1
    assert Activity.objects.filter(action="voucher.redeemed").count() == 1
