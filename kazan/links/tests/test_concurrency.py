"""Two submits of one registration link at the same moment (a double tap on a slow phone): one
registers, the other is told the link was used — never two registrations or two consents."""

import threading

import pytest
from django.db import connection, connections

from kazan.customers.models import ConsentRecord
from kazan.customers.tests.factories import CustomerFactory
from kazan.links.services import secure_link_issue
from kazan.links.testing import link_path
from kazan.links.tests.test_registration import FORM


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_submits_register_once(business):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes all writers, so there is no race")
    from django.test import Client

    customer = CustomerFactory(business=business, language="es")
    path = link_path(
        secure_link_issue(
            business=business, customer=customer, purpose="registration", channel="whatsapp"
        )
    )
    threads = 6
    barrier = threading.Barrier(threads)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            response = Client().post(path, FORM, REMOTE_ADDR="10.0.0.1")
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:  # surfaced by the assertion below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert errors == []
    assert sorted(statuses) == [200] + [410] * (threads - 1)
    assert ConsentRecord.objects.filter(purpose="data_processing").count() == 1
