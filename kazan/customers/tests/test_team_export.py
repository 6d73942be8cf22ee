"""Issue 9 (18): a business team exports its own customer list (CSV or Excel) from the customers
page, with the list's filters, through the console's export jobs. Only the requester or an owner
of the business downloads it; agents do not export; another business never reaches it, by id or
by guessing; every step is in the activity log; contacts stay masked as on the customer pages."""

import csv

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from kazan.activity.models import Activity
from kazan.analytics import services
from kazan.analytics.models import ExportJob, ExportStatus
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.customers.services import tag_create
from kazan.customers.tests.factories import CustomerFactory
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
EXPORTS = reverse("customers:exports")


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _member(business, role):
    return MembershipFactory(business=business, role=role).user


@pytest.fixture
def people(business, other_business, owner):
    vip = tag_create(business=business, name="VIP", actor=owner)
    anna = CustomerFactory(
        business=business, name="=HYPERLINK(evil)", email="anna@example.com", tags=["VIP"]
    )
    CustomerFactory(business=business, name="Bruno")
    CustomerFactory(business=other_business, name="Stranger", tags=["VIP"])
    return {"vip": vip, "anna": anna}


def _request(client, query="", fmt="csv"):
    return client.post(EXPORTS, {"format": fmt, "query": query})


def _built(job_id) -> ExportJob:
    services.export_run(job_id=job_id)
    return ExportJob.objects.get(pk=job_id)


def _download(client, job) -> bytes:
    response = client.get(reverse("customers:export_download", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_a_manager_exports_the_filtered_list_and_downloads_it(business, people):
    manager = _member(business, Role.MANAGER)
    client = _client(manager)
    response = _request(client, query=f"tag={people['vip'].pk}&sort=name&page=2")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:export_detail", args=[job.pk])
    assert (job.origin, job.business, job.requested_by) == ("dashboard", business, manager)
    assert job.filters == {"tag": people["vip"].pk, "sort": "name"}

    job = _built(job.pk)
    assert job.status == ExportStatus.DONE and job.row_count == 1
    text = _download(client, job).decode("utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert len(rows) == 2  # header + Anna only (the tag filter; not the other business's)
    name, phone, email = rows[1][:3]
    assert name == "'=HYPERLINK(evil)"  # formula defused by the shared writer
    assert "••••" in phone and people["anna"].phone_e164 not in text
    assert email == "a•••@example.com"  # masked, as the customer page shows it

    actions = set(
        Activity.objects.filter(
            target_type="analytics.exportjob", target_id=str(job.pk), business=business
        ).values_list("action", flat=True)
    )
    assert actions == {"export.requested", "export.completed", "export.downloaded"}


def test_excel_too(business, people, owner):
    client = _client(owner)
    _request(client, fmt="xlsx")
    job = _built(ExportJob.objects.get().pk)
    path = services.export_file_path(job)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.max_row == 3  # header + the business's two customers


def test_agents_cannot_export(business, people):
    agent = _member(business, Role.AGENT)
    assert _request(_client(agent)).status_code == 403
    assert not ExportJob.objects.exists()
    with pytest.raises(PermissionDenied):
        services.team_export_request(business=business, fmt="csv", actor=agent)
    assert 'id="customer-export"' not in _client(agent).get(reverse("customers:list")).text


def test_only_the_requester_or_an_owner_downloads(business, people, owner):
    manager = _member(business, Role.MANAGER)
    colleague = _member(business, Role.MANAGER)
    _request(_client(manager))
    job = _built(ExportJob.objects.get().pk)
    detail = reverse("customers:export_detail", args=[job.pk])
    download = reverse("customers:export_download", args=[job.pk])
    assert _client(colleague).get(detail).status_code == 404
    assert _client(colleague).get(download).status_code == 404
    assert _client(colleague).get(EXPORTS).context["page"].paginator.count == 0
    assert _download(_client(owner), job)  # the business's owner may
    assert _client(owner).get(EXPORTS).context["page"].paginator.count == 1


def test_a_member_of_another_business_never_reaches_it(business, other_business, people, owner):
    _request(_client(owner))
    job = _built(ExportJob.objects.get().pk)
    intruder_user = _member(other_business, Role.OWNER)
    intruder = _client(intruder_user)
    for name in ("customers:export_detail", "customers:export_download"):
        assert intruder.get(reverse(name, args=[job.pk])).status_code == 404
    # Guessing ids around it finds nothing either, and their own list is empty.
    for guess in range(max(job.pk - 3, 0), job.pk + 4):
        assert intruder.get(reverse("customers:export_download", args=[guess])).status_code == 404
    assert intruder.get(EXPORTS).context["page"].paginator.count == 0
    # Naming business A (its subdomain) while being a member of B only: 404 as well.
    response = intruder.get(
        reverse("customers:export_download", args=[job.pk]), HTTP_HOST="cafe-a.localhost"
    )
    assert response.status_code == 404
    assert not services.team_export_can_download(
        business=other_business, job=job, actor=intruder_user
    )
    assert not services.team_export_can_download(business=business, job=job, actor=intruder_user)


def test_console_exports_stay_out_of_the_dashboard_and_back(business, people, owner):
    staff = UserFactory(is_staff=True, is_superuser=True)
    console_job = services.export_request(
        kind="customers", fmt="csv", business=business, actor=staff
    )
    _built(console_job.pk)
    assert _client(owner).get(EXPORTS).context["page"].paginator.count == 0
    download = reverse("customers:export_download", args=[console_job.pk])
    assert _client(owner).get(download).status_code == 404
    _request(_client(owner))
    team_job = _built(ExportJob.objects.filter(origin="dashboard").get().pk)
    assert not services.export_can_download(job=team_job, actor=staff)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"format": "pdf", "query": ""}, 400),
        ({"format": "exe", "query": ""}, 400),
        ({"format": "csv", "query": "since=yesterday"}, 400),
        ({"format": "csv", "query": "tag=999999"}, 400),
        ({"format": "csv", "query": "rating=9"}, 400),
        ({"format": "csv", "query": "q=" + "x" * 300}, 400),
        ({"format": "csv", "query": "sort=__class__"}, 302),  # falls back to the default order
    ],
)
def test_bad_requests_are_a_clear_4xx(business, owner, data, status):
    response = _client(owner).post(EXPORTS, data)
    assert response.status_code == status
    if status == 400:
        assert not ExportJob.objects.exists()


def test_a_tag_of_another_business_is_refused(business, other_business, owner):
    foreign = tag_create(business=other_business, name="X", actor=None)
    with pytest.raises(ValidationFailed):
        services.team_export_request(
            business=business, fmt="csv", filters={"tag": foreign.pk}, actor=owner
        )
    with pytest.raises(ValidationFailed):
        services.team_export_request(
            business=business, fmt="csv", filters={"campaign": 1}, actor=owner
        )
