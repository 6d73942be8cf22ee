"""Two submits of one registration link at the same moment (a double tap on a slow phone): one
registers, the other is told the link was used — never two registrations or two consents."""

import pytest

from kazan.core.testing import run_in_threads
from kazan.customers.models import ConsentRecord
from kazan.customers.tests.factories import CustomerFactory
from kazan.links.services import secure_link_issue
from kazan.links.testing import link_path
from kazan.links.tests.test_registration import FORM


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_submits_register_once(business):
    from django.test import Client

    customer = CustomerFactory(business=business, language="es")
    path = link_path(
        secure_link_issue(
            business=business, customer=customer, purpose="registration", channel="whatsapp"
        )
    )
    threads = 6
    statuses = run_in_threads(
        threads, lambda: Client().post(path, FORM, REMOTE_ADDR="10.0.0.1").status_code
    )

    assert not [r for r in statuses if isinstance(r, Exception)], statuses
    assert sorted(statuses) == [200] + [410] * (threads - 1)
    assert ConsentRecord.objects.filter(purpose="data_processing").count() == 1
