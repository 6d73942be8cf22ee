"""The demo café's contact form: its settings and messages in several languages, each matched
to a customer, one handled already."""

import pytest
from django.core.management import call_command

from kazan.demo.services import DEMO_SLUG
from kazan.tenancy.models import Business
from kazan.webforms.models import FormSettings, FormSubmission

pytestmark = pytest.mark.django_db


def test_the_demo_cafe_has_a_contact_form_with_messages(capsys):
    call_command("demo_load")
    business = Business.objects.get(slug=DEMO_SLUG)
    form = FormSettings.objects.get(business=business)
    assert set(form.consent_texts) == {"en", "de", "tr", "it", "es"}
    assert [m.user.email for m in form.notify_members.all()] == ["manager@demo-cafe.localhost"]
    sent = FormSubmission.objects.filter(business=business)
    assert {s.language for s in sent} >= {"de", "en", "tr", "it"}
    assert all(s.customer_id for s in sent)
    assert sent.filter(status="handled").count() == 1
    assert sent.filter(consent_given=True).count() == 2
