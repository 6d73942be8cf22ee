"""Wherever activity is shown — the dashboard's log and overview, the console's business page,
the activity export — an entry reads as the registry's sentence, never as a raw type or data."""

import pytest
from django.urls import reverse
from django.utils import translation

from kazan.accounts.tests.staff import staff_sign_in
from kazan.activity.services import activity_record
from kazan.billing.services import subscription_terms_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms_changed(business, staff_user):
    subscription_terms_change(
        business=business,
        sms_allowance=300,
        price_minor=900,
        reason="Seasonal deal",
        actor=staff_user,
    )


def test_the_team_reads_sentences_and_sees_kazan_staff_not_their_name(
    owner_client, business, owner, staff_user, terms_changed
):
    activity_record(business=business, actor=owner, action="customer.erased")
    for url in (reverse("dashboard:activity"), reverse("dashboard:home")):
        page = owner_client.get(url).content.decode()
        assert "Kazan staff changed the package terms: Seasonal deal" in page, url
        assert "SMS per month:" in page and "→ 300" in page
        assert staff_user.name not in page
        assert "subscription.terms_changed</" not in page and "{&#x27;" not in page
    # the type filter names the types
    page = owner_client.get(reverse("dashboard:activity")).content.decode()
    assert '<option value="customer.erased" >Customer erased</option>' in page


def test_the_console_business_page_reads_sentences(client, staff_user, business, terms_changed):
    staff_sign_in(client, staff_user)
    page = client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert f"Staff member {staff_user.name} changed the package terms: Seasonal deal" in page
    assert "<code>subscription.terms_changed</code>" not in page


def test_the_activity_export_reads_sentences_in_every_format(
    business, staff_user, terms_changed, settings, tmp_path
):
    import openpyxl
    from pypdf import PdfReader

    from kazan.analytics import services
    from kazan.analytics.services import export_file_path, export_request

    settings.EXPORTS_DIR = tmp_path
    expected = f"Staff member {staff_user.name} changed the package terms: Seasonal deal"
    texts = {}
    for fmt in ("xlsx", "pdf"):
        with translation.override("en"):
            job = export_request(
                kind="activity", fmt=fmt, filters={}, business=business, actor=staff_user
            )
        services.export_run(job_id=job.pk)
        job.refresh_from_db()
        path = export_file_path(job)
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(path, read_only=True).active
            texts[fmt] = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
        else:
            texts[fmt] = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)
    assert expected in texts["xlsx"] and "SMS per month: 200 → 300" in texts["xlsx"]
    assert "Package terms changed" in texts["pdf"] and "Seasonal deal" in texts["pdf"]
    assert "subscription.terms_changed" not in texts["xlsx"] + texts["pdf"]
