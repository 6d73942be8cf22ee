"""Customer pages: what members see and may do, and that nobody reaches another tenant's data."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kazan.activity.models import Activity
from kazan.customers import services
from kazan.customers.models import ConsentRecord, Customer
from kazan.customers.panels import CustomerPanel, _panels
from kazan.customers.queries import consent_is_granted
from kazan.customers.tests.factories import CustomerFactory, consent_given

pytestmark = pytest.mark.django_db
SMS = ConsentRecord.Purpose.SMS_MARKETING


def url(name: str, customer=None) -> str:
    return reverse(f"customers:{name}", args=[customer.pk] if customer else [])


# --- list ------------------------------------------------------------------------------------


def test_list_shows_masked_phones_and_consent(owner_client, business, customer):
    consent_given(customer)
    response = owner_client.get(url("list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anna Schmidt" in html
    assert customer.phone_masked in html
    assert customer.phone_e164 not in html
    assert customer.phone_e164[3:] not in html


def test_list_filters_and_searches(owner_client, business, customer):
    CustomerFactory(business=business, name="Bernd Brot", tags=["vip"])
    consent_given(customer)
    html = owner_client.get(url("list"), {"consent": "yes"}).content.decode()
    assert "Anna Schmidt" in html and "Bernd Brot" not in html
    national = "0" + customer.phone_e164[3:]
    html = owner_client.get(url("list"), {"q": national}).content.decode()
    assert "Anna Schmidt" in html and "Bernd Brot" not in html
    vip = business.tags.get(name="vip")
    html = owner_client.get(url("list"), {"tag": vip.pk}).content.decode()
    assert "Bernd Brot" in html and "Anna Schmidt" not in html


def test_bad_filters_get_a_message_and_a_400(owner_client, customer, other_business):
    foreign_tag = CustomerFactory(business=other_business, tags=["x"]).tags.get()
    for params in [
        {"since": "2026-13-45"},
        {"since": "2026-12-01", "until": "2026-11-01"},
        {"tag": "abc"},
        {"tag": foreign_tag.pk},
        {"consent": "maybe"},
    ]:
        response = owner_client.get(url("list"), params)
        assert response.status_code == 400, params
        assert 'class="errorlist' in response.content.decode(), params


def test_list_pages_by_fifty_and_keeps_filters(owner_client, business):
    for _ in range(55):
        CustomerFactory(business=business, tags=["vip"])
    vip = business.tags.get()
    first = owner_client.get(url("list"), {"tag": vip.pk})
    assert first.content.decode().count('class="customer-row"') == 50
    assert f"?tag={vip.pk}&amp;page=2" in first.content.decode()
    second = owner_client.get(url("list"), {"tag": vip.pk, "page": 2})
    assert second.content.decode().count('class="customer-row"') == 5


def test_list_query_count_does_not_grow_with_rows(owner_client, business):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(url("list")).status_code == 200
        return len(captured)

    CustomerFactory(business=business, tags=["a"])
    few = count_queries()
    for n in range(20):
        consent_given(CustomerFactory(business=business, tags=["a", f"b{n}"]))
    assert count_queries() == few


# --- detail ----------------------------------------------------------------------------------


def test_detail_shows_profile_consent_history_and_channels(owner_client, business, customer):
    consent_given(customer)
    consent_given(customer, granted=False, channel="sms")
    services.identity_attach(
        business=business, customer=customer, channel="telegram", external_id="4242"
    )
    response = owner_client.get(url("detail", customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Anna Schmidt" in html
    assert customer.phone_masked in html and customer.phone_e164 not in html
    assert "anna@example.com" not in html  # masked
    assert html.count('class="consent-row"') == 2
    assert "2026-11-v1" in html
    assert "Telegram" in html and "4242" not in html


def test_detail_renders_panels_of_other_apps(owner_client, business, customer, monkeypatch):
    from django.core.paginator import Paginator

    seen = []

    def context(request, shown):
        seen.append((request.business, shown))
        return {"page": Paginator(range(30), 10).page(2), "query": "panel=probe"}

    def hidden(request, shown):
        return None  # e.g. the member lacks the permission for this panel

    monkeypatch.setitem(
        _panels, "probe", CustomerPanel("probe", "partials/pagination.html", context)
    )
    monkeypatch.setitem(
        _panels, "hidden", CustomerPanel("hidden", "partials/pagination.html", hidden)
    )
    html = owner_client.get(url("detail", customer)).content.decode()
    assert seen == [(business, customer)]
    assert html.count("?panel=probe&amp;page=") == 2  # the probe panel, once (prev + next)


def test_an_erased_customer_page_is_gone(owner_client, business, customer):
    services.customer_erase(business=business, customer=customer, actor=None)
    assert owner_client.get(url("detail", customer)).status_code == 404


# --- edit ------------------------------------------------------------------------------------


def test_manager_edits_a_customer(manager_client, customer):
    form = manager_client.get(url("edit", customer))
    assert form.status_code == 200 and "anna@example.com" in form.content.decode()
    response = manager_client.post(
        url("edit", customer),
        {"name": "Anna S.", "language": "it", "email": "a.s@example.com", "tags": "vip, Vegan"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.email) == (
        "Anna S.",
        "it",
        "a.s@example.com",
    )
    assert sorted(customer.tags.values_list("name", flat=True)) == ["Vegan", "vip"]


def test_edit_with_bad_input_shows_messages(owner_client, business, customer):
    CustomerFactory(business=business, email="taken@example.com")
    response = owner_client.post(
        url("edit", customer), {"name": "Anna", "language": "xx", "email": "nope", "tags": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "not a valid email address" in html
    assert "Select a valid choice" in html
    response = owner_client.post(
        url("edit", customer),
        {"name": "Anna", "language": "", "email": "taken@example.com", "tags": ""},
    )
    assert response.status_code == 400
    assert "already has this email address" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == "anna@example.com"


def test_recording_a_withdrawal(owner_client, business, customer):
    consent_given(customer)
    response = owner_client.post(url("consent_withdraw", customer), {"purpose": SMS})
    assert response.status_code == 302
    assert not consent_is_granted(business=business, customer=customer, purpose=SMS)
    assert ConsentRecord.objects.filter(granted=False, channel="dashboard").exists()
    bad = owner_client.post(url("consent_withdraw", customer), {"purpose": "everything"})
    assert bad.status_code == 400


# --- export ----------------------------------------------------------------------------------


def test_export_downloads_json_with_everything(owner_client, customer):
    consent_given(customer, ip="203.0.113.7")
    response = owner_client.post(url("export", customer))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="customer-{customer.pk}.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["profile"]["phone"] == customer.phone_e164
    assert data["consents"][0]["ip_address"] == "203.0.113.7"
    assert Activity.objects.filter(action="customer.exported").count() == 1


def test_export_is_post_only(owner_client, customer):
    assert owner_client.get(url("export", customer)).status_code == 405
    assert not Activity.objects.filter(action="customer.exported").exists()


# --- erase -----------------------------------------------------------------------------------


def test_erase_needs_the_word_typed(owner_client, customer):
    page = owner_client.get(url("erase", customer))
    assert page.status_code == 200 and "ERASE" in page.content.decode()
    wrong = owner_client.post(url("erase", customer), {"confirm": "yes"})
    assert wrong.status_code == 400
    assert "Please type ERASE" in wrong.content.decode()
    customer.refresh_from_db()
    assert customer.erased_at is None
    done = owner_client.post(url("erase", customer), {"confirm": " erase "}, follow=True)
    assert done.redirect_chain[-1][0] == url("list")
    assert "personal data was erased" in done.content.decode()
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.name == ""
    again = owner_client.post(url("erase", customer), {"confirm": "ERASE"})
    assert again.status_code == 409
    assert Activity.objects.filter(action="customer.erased").count() == 1


def test_the_erase_word_ignores_case_and_accents():
    from kazan.customers.forms import _fold

    assert _fold("SİL") == _fold("sil") == _fold(" Sil ")
    assert _fold("LÖSCHEN") == _fold("loschen")
    assert _fold("ERASE") != _fold("ERASED")


# --- who may do what -------------------------------------------------------------------------

PAGES = [
    ("get", "detail", {}),
    ("get", "edit", {}),
    ("post", "edit", {"name": "Hacked", "language": "", "email": "", "tags": ""}),
    ("post", "consent_withdraw", {"purpose": SMS}),
    ("post", "export", {}),
    ("get", "erase", {}),
    ("post", "erase", {"confirm": "ERASE"}),
]


@pytest.mark.parametrize(("method", "name", "data"), PAGES)
def test_a_member_of_another_business_gets_404_and_no_data(
    intruder_client, customer, method, name, data
):
    consent_given(customer)
    response = getattr(intruder_client, method)(url(name, customer), data)
    assert response.status_code == 404
    assert b"Anna" not in response.content
    assert customer.phone_masked.encode() not in response.content
    customer.refresh_from_db()
    assert customer.name == "Anna Schmidt" and customer.erased_at is None
    assert consent_is_granted(business=customer.business, customer=customer, purpose=SMS)
    assert not Activity.objects.filter(action__in=["customer.exported", "customer.erased"]).exists()


def test_the_other_business_list_does_not_show_our_customers(intruder_client, customer):
    response = intruder_client.get(url("list"), {"q": customer.phone_e164})
    assert response.status_code == 200
    assert b"Anna" not in response.content


def test_unknown_ids_are_404(owner_client):
    assert owner_client.get("/dashboard/customers/999999/").status_code == 404
    assert owner_client.get("/dashboard/customers/abc/").status_code == 404


@pytest.mark.parametrize(("method", "name", "data"), [p for p in PAGES if p[1] != "detail"])
def test_an_agent_may_look_but_not_change_export_or_erase(
    agent_client, customer, method, name, data
):
    response = getattr(agent_client, method)(url(name, customer), data)
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Anna Schmidt" and customer.erased_at is None


def test_an_agent_sees_list_and_detail_without_privacy_buttons(agent_client, customer):
    assert agent_client.get(url("list")).status_code == 200
    html = agent_client.get(url("detail", customer)).content.decode()
    assert "Anna Schmidt" in html
    assert url("export", customer) not in html
    assert url("erase", customer) not in html
    assert url("edit", customer) not in html


def test_signed_out_visitors_are_sent_to_sign_in(client, customer):
    for name, target in [("list", None), ("detail", customer), ("export", customer)]:
        response = (
            client.get(url(name, target)) if name != "export" else client.post(url(name, target))
        )
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert Customer.objects.get().erased_at is None
