"""Issue 9 (18) in a real browser: the owner sorts the customer list by a column header, tags two
selected customers at once, and asks for the filtered list as a file."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.analytics.models import ExportJob
from kazan.customers.models import Customer
from kazan.customers.services import tag_create
from kazan.customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sort_tag_several_and_export(live_server, page, business, owner):
    for name in ("Bert", "anna", "Cora"):
        CustomerFactory(business=business, name=name)
    tag_create(business=business, name="VIP", color="purple", actor=owner)

    browser_sign_in(page, f"{live_server.url}/dashboard/customers/", owner.email)
    page.click("a.sort-link[data-sort=name]")
    page.wait_for_url("**sort=name**")
    names = page.locator("tr.customer-row td:nth-child(2)").all_inner_texts()
    assert [n.strip() for n in names] == ["anna", "Bert", "Cora"]

    rows = page.locator("tr.customer-row")
    rows.nth(0).locator("input[type=checkbox]").check()
    rows.nth(1).locator("input[type=checkbox]").check()
    page.select_option("#id_bulk_tag", label="VIP")
    with page.expect_navigation():  # a flash may already stand on the page: wait for the answer
        page.click("#bulk-tags button[value=add]")
    page.wait_for_selector("tr.customer-row .badge.tag-purple")
    assert "sort=name" in page.url  # back on the same list
    tagged = set(Customer.objects.filter(tags__name="VIP").values_list("name", flat=True))
    assert tagged == {"anna", "Bert"}
    assert page.locator("tr.customer-row .badge.tag-purple").count() == 2

    page.select_option("#id_export_format", "xlsx")
    page.click("#customer-export button[type=submit]")
    page.wait_for_selector("#export-status")
    job = ExportJob.objects.get()
    assert (job.origin, job.format, job.filters) == ("dashboard", "xlsx", {"sort": "name"})
