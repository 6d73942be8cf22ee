"""A customer's data-subject export lists their form submissions in full; erasure deletes them
(and another customer's stay)."""

import pytest

from kazan.customers.services import customer_erase, customer_export
from kazan.webforms.models import FormSubmission
from kazan.webforms.testing import submission_sent

pytestmark = pytest.mark.django_db


def test_export_and_erasure_cover_the_submissions(business, owner):
    sent = submission_sent(business, consent=True)
    other = submission_sent(business, name="Bruno", email="bruno@example.com")
    data = customer_export(business=business, customer=sent.customer, actor=owner)
    assert data["form_submissions"] == [
        {
            "id": sent.pk,
            "name": "Anna Weber",
            "email": "anna@example.com",
            "phone": "",
            "message": "Do you cater?",
            "language": "en",
            "channel": "web",
            "consent_given": True,
            "consent_text": sent.consent_text,
            "origin": "",
            "status": "new",
            "sent_at": sent.created_at.isoformat(),
        }
    ]
    customer_erase(business=business, customer=sent.customer, actor=owner)
    assert list(FormSubmission.objects.values_list("pk", flat=True)) == [other.pk]
