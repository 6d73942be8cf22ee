import pytest

from kazan.accounts.tests.staff import staff_sign_in


@pytest.fixture
def staff_client(client, staff_user):
    staff_sign_in(client, staff_user)
    return client
