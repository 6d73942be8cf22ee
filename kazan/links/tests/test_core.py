"""Issuing, resolving, consuming and revoking secure links, and the page dispatcher."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.utils import timezone

from kazan.customers.tests.factories import CustomerFactory
from kazan.links import purposes
from kazan.links.error_codes import LinksErrorCode
from kazan.links.errors import LinksError
from kazan.links.events import registered_listener_register, registered_listeners
from kazan.links.models import Purpose, SecureLink
from kazan.links.services import (
    secure_link_consume,
    secure_link_issue,
    secure_link_resolve,
    secure_link_revoke,
    secure_links_purge,
    secure_links_revoke,
)
from kazan.links.testing import link_path, link_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(business):
    return CustomerFactory(business=business, language="es")


@pytest.fixture
def invoice_page(monkeypatch):
    """A stand-in page for a purpose commerce registers."""
    monkeypatch.setattr(purposes, "_pages", dict(purposes._pages))

    def view(request, link):
        return HttpResponse(f"invoice {link.target_id} for {link.customer_id}")

    purposes.purpose_page_register(Purpose.INVOICE, view)


def test_issue_stores_only_the_hash_and_binds_the_link(business, customer, settings):
    url = secure_link_issue(
        business=business, customer=customer, purpose="payment", target_id=7, channel="whatsapp"
    )
    token = link_token(url)
    assert url == f"{settings.PUBLIC_URL}/{business.slug}/link/{token}"
    assert len(token) == 43
    link = SecureLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(SecureLink.objects.values().get())
    assert (link.business, link.customer, link.purpose, link.target_id, link.channel) == (
        business,
        customer,
        "payment",
        7,
        "whatsapp",
    )
    assert secure_link_resolve(token=token) == link


@pytest.mark.parametrize(
    ("purpose", "ttl", "single_use"),
    [
        ("registration", timedelta(hours=24), True),
        ("my_data", timedelta(hours=1), True),
        ("invoice", timedelta(days=30), False),
    ],
)
def test_default_lifetimes(business, customer, purpose, ttl, single_use):
    with time_machine.travel("2026-05-01 10:00Z", tick=False):
        secure_link_issue(business=business, customer=customer, purpose=purpose)
        link = SecureLink.objects.get()
    assert (
        link.expires_at
        == timezone.now().replace(
            year=2026, month=5, day=1, hour=10, minute=0, second=0, microsecond=0
        )
        + ttl
    )
    assert link.single_use is single_use


def test_expiry(business, customer):
    with time_machine.travel("2026-05-01 10:00Z", tick=False) as traveller:
        token = link_token(
            secure_link_issue(business=business, customer=customer, purpose="registration")
        )
        traveller.shift(timedelta(hours=23, minutes=59))
        secure_link_resolve(token=token)
        traveller.shift(timedelta(minutes=1))
        with pytest.raises(LinksError) as failure:
            secure_link_resolve(token=token)
    assert failure.value.code == LinksErrorCode.LINK_EXPIRED
    assert failure.value.status == 410


def test_caller_ttl_is_honoured_and_bounded(business, customer):
    token = link_token(
        secure_link_issue(
            business=business, customer=customer, purpose="payment", ttl=timedelta(minutes=5)
        )
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=6)), pytest.raises(LinksError):
        secure_link_resolve(token=token)
    from kazan.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        secure_link_issue(
            business=business, customer=customer, purpose="payment", ttl=timedelta(days=365)
        )
    with pytest.raises(ValidationFailed):
        secure_link_issue(business=business, customer=customer, purpose="nonsense")


def test_consume_once(business, customer):
    token = link_token(
        secure_link_issue(business=business, customer=customer, purpose="registration")
    )
    link = secure_link_resolve(token=token)
    stale = secure_link_resolve(token=token)
    secure_link_consume(link=link)
    with pytest.raises(LinksError) as again:
        secure_link_consume(link=stale)  # the racing second submit
    assert again.value.code == LinksErrorCode.LINK_USED
    with pytest.raises(LinksError) as reopened:
        secure_link_resolve(token=token)
    assert reopened.value.code == LinksErrorCode.LINK_USED


def test_multi_use_link_is_not_consumed(business, customer):
    token = link_token(
        secure_link_issue(business=business, customer=customer, purpose="invoice", target_id=3)
    )
    secure_link_consume(link=secure_link_resolve(token=token))
    assert secure_link_resolve(token=token).used_at is None


def test_new_link_revokes_the_previous_one_and_revocation(business, customer):
    first = link_token(
        secure_link_issue(business=business, customer=customer, purpose="registration")
    )
    second = link_token(
        secure_link_issue(business=business, customer=customer, purpose="registration")
    )
    with pytest.raises(LinksError) as failure:
        secure_link_resolve(token=first)
    assert failure.value.code == LinksErrorCode.LINK_INVALID
    link = secure_link_resolve(token=second)
    secure_link_revoke(business=business, link=link)
    with pytest.raises(LinksError):
        secure_link_resolve(token=second)
    third = link_token(secure_link_issue(business=business, customer=customer, purpose="my_data"))
    assert secure_links_revoke(business=business, customer=customer) == 1
    with pytest.raises(LinksError):
        secure_link_resolve(token=third)


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "../../etc", "a" * 500, "é" * 43])
def test_garbage_tokens_are_invalid(db, token):
    with pytest.raises(LinksError) as failure:
        secure_link_resolve(token=token)
    assert failure.value.code == LinksErrorCode.LINK_INVALID


def test_issue_refuses_another_business_customer(business, other_business):
    from kazan.core.errors import ValidationFailed

    stranger = CustomerFactory(business=other_business)
    with pytest.raises(ValidationFailed):
        secure_link_issue(business=business, customer=stranger, purpose="registration")


def test_inactive_business_or_erased_customer_invalidates(business, customer):
    token = link_token(secure_link_issue(business=business, customer=customer, purpose="my_data"))
    customer.erased_at = timezone.now()
    customer.save(update_fields=["erased_at"])
    with pytest.raises(LinksError):
        secure_link_resolve(token=token)


def test_purge_deletes_links_ended_long_ago(business, customer):
    secure_link_issue(business=business, customer=customer, purpose="my_data")
    secure_link_issue(business=business, customer=customer, purpose="invoice", target_id=1)
    assert secure_links_purge(now=timezone.now() + timedelta(days=30, hours=2)) == 1
    assert SecureLink.objects.get().purpose == "invoice"


def test_registered_listener_registry():
    def listener(business, customer, channel):
        return None

    registered_listener_register(listener)
    registered_listener_register(listener)
    assert registered_listeners().count(listener) == 1


def test_purpose_registry_refuses_unknown_purpose():
    with pytest.raises(ValueError):
        purposes.purpose_page_register("lottery", lambda request, link: HttpResponse())


# --- the page --------------------------------------------------------------------------------


def test_page_dispatches_to_the_purpose_view(client, business, customer, invoice_page):
    url = secure_link_issue(business=business, customer=customer, purpose="invoice", target_id=9)
    response = client.get(link_path(url))
    assert response.status_code == 200
    assert response.content.decode() == f"invoice 9 for {customer.pk}"


def test_wrong_business_slug_with_a_valid_token_fails(
    client, business, other_business, customer, invoice_page
):
    url = secure_link_issue(business=business, customer=customer, purpose="invoice", target_id=9)
    response = client.get(f"/{other_business.slug}/link/{link_token(url)}")
    assert response.status_code == 404
    assert b"invoice" not in response.content
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("shift", "status", "text"),
    [(timedelta(hours=25), 410, "expired"), (None, 410, "already been used")],
)
def test_expired_and_used_pages_are_friendly(client, business, customer, shift, status, text):
    url = secure_link_issue(business=business, customer=customer, purpose="registration")
    if shift is None:
        secure_link_consume(link=secure_link_resolve(token=link_token(url)))
        response = client.get(link_path(url) + "?lang=en")
    else:
        with time_machine.travel(timezone.now() + shift):
            response = client.get(link_path(url) + "?lang=en")
    assert response.status_code == status
    assert text in response.content.decode()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_invalid_link_page_in_the_business_language(client, business):
    business.language = "es"
    business.save(update_fields=["language"])
    response = client.get(f"/{business.slug}/link/{'a' * 43}")
    assert response.status_code == 404
    assert 'lang="es"' in response.content.decode()
    response = client.get(f"/nobody-here/link/{'a' * 43}")
    assert response.status_code == 404


def test_failed_lookups_are_rate_limited(client, business, customer, invoice_page):
    from kazan.links.public_views import FAIL_LIMIT

    url = secure_link_issue(business=business, customer=customer, purpose="invoice", target_id=1)
    for _ in range(FAIL_LIMIT):
        assert client.get(f"/{business.slug}/link/{'b' * 43}").status_code == 404
    guessed = client.get(f"/{business.slug}/link/{'c' * 43}")
    assert guessed.status_code == 429 and guessed["Retry-After"] == "600"
    assert "Too many attempts" in guessed.content.decode()
    # A wrong business slug counts as a failure too.
    assert client.get(f"/shop-b/link/{link_token(url)}").status_code == 429
    # The customer's own link still opens: the guesser's failures do not lock people out.
    assert client.get(link_path(url)).status_code == 200


def test_every_open_counts_towards_a_generous_limit(
    client, business, customer, invoice_page, monkeypatch
):
    from kazan.links import public_views

    monkeypatch.setattr(public_views, "OPEN_LIMIT", 3)
    url = secure_link_issue(business=business, customer=customer, purpose="invoice", target_id=1)
    for _ in range(3):
        assert client.get(link_path(url)).status_code == 200
    response = client.get(link_path(url))
    assert response.status_code == 429
    assert b"invoice" not in response.content
    # Another address is not affected.
    assert client.get(link_path(url), REMOTE_ADDR="10.9.8.7").status_code == 200


# --- the team's panel ------------------------------------------------------------------------


def test_the_customer_page_lists_links_and_a_member_withdraws_one(owner_client, business, customer):
    from django.urls import reverse

    from kazan.activity.models import Activity

    token = link_token(secure_link_issue(business=business, customer=customer, purpose="my_data"))
    page = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="panel-secure-links"' in page and token not in page
    link = SecureLink.objects.get()
    response = owner_client.post(reverse("securelinks:revoke", args=[link.pk]))
    assert response.status_code == 302
    with pytest.raises(LinksError):
        secure_link_resolve(token=token)
    assert Activity.objects.filter(action="link.revoked").count() == 1


def test_a_member_cannot_withdraw_another_business_link(owner_client, other_business):
    from django.urls import reverse

    stranger = CustomerFactory(business=other_business)
    token = link_token(
        secure_link_issue(business=other_business, customer=stranger, purpose="my_data")
    )
    link = SecureLink.objects.get()
    assert owner_client.post(reverse("securelinks:revoke", args=[link.pk])).status_code == 404
    assert secure_link_resolve(token=token).revoked_at is None
